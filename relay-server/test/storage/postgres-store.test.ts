import { postgresHarness } from './postgres-harness.js';
import { describeRelayStoreAccessKeysContract } from './relay-store-access-keys-contract.js';
import { describeRelayStoreContract } from './relay-store-contract.js';
import { describeRelayStoreLimitsContract } from './relay-store-limits-contract.js';

describeRelayStoreContract('PostgresRelayStore', postgresHarness);
describeRelayStoreLimitsContract('PostgresRelayStore', postgresHarness);
describeRelayStoreAccessKeysContract('PostgresRelayStore', postgresHarness);
