/**
 * What an Engine is built with and what its lifecycle calls take and answer
 * (engine.ts re-exports these).
 */
import type { VaultClient } from '../../common/invoke.js';
import type { AccountInfo } from '../../common/vault-api.js';
import type { Clock } from './clock.js';
import type { EngineLogger } from './logger.js';
import type { OutboxFaults, OutboxOptions } from './outbox-worker.js';
import type { PreKeyOptions } from './prekey-maintenance.js';
import type { ReceiveFaults, ReceivePipelineOptions } from './receive-pipeline.js';
import type { RelayConnectionOptions } from './relay-connection.js';
import type { FetchFunction } from './relay-http.js';
import type { TypingOptions } from './typing.js';

export interface EngineOptions {
  readonly vault: VaultClient;
  /** IndexedDB to use (default: the browser's). Tests pass fake-indexeddb's. */
  readonly indexedDB?: IDBFactory;
  readonly IDBKeyRange?: typeof IDBKeyRange;
  /** Database name (default: derived from the profile's data key, at-rest/keys.ts). */
  readonly databaseName?: string;
  readonly fetch?: FetchFunction;
  readonly logger?: EngineLogger;
  readonly clock?: Clock;
  readonly connection?: Partial<RelayConnectionOptions>;
  readonly outbox?: Partial<OutboxOptions>;
  readonly typing?: Partial<TypingOptions>;
  readonly prekeys?: Partial<PreKeyOptions>;
  readonly receive?: Partial<ReceivePipelineOptions>;
  /** Crash points for tests (never set in the app). */
  readonly faults?: ReceiveFaults & OutboxFaults;
}

export interface CreateAccountRequest {
  /** The home relay, e.g. http://127.0.0.1:7447. */
  readonly relayUrl: string;
  /** Required when the vault protects its key with a passphrase (no OS keychain). */
  readonly passphrase?: string;
  /** The relay operator's one-time code, for a relay that admits new accounts only by invite. */
  readonly inviteCode?: string;
}

/** What registering with a relay may need besides the identity. */
export interface RegistrationOptions {
  /** The relay operator's one-time code (GET /v1/registration says whether one is needed). */
  readonly inviteCode?: string;
}

export interface AccountSummary extends AccountInfo {
  readonly relayUrl: string;
  readonly contactCode: string;
}
