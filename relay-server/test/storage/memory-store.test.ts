import { expect, it } from 'vitest';
import { MemoryRelayStore } from '../../src/storage/memory-store.js';
import { describeRelayStoreAccessKeysContract } from './relay-store-access-keys-contract.js';
import { describeRelayStoreContract } from './relay-store-contract.js';
import { describeRelayStoreLimitsContract } from './relay-store-limits-contract.js';

const memoryHarness = async () => ({ store: new MemoryRelayStore(), dispose: async () => {} });
describeRelayStoreContract('MemoryRelayStore', memoryHarness);
describeRelayStoreLimitsContract('MemoryRelayStore', memoryHarness);
describeRelayStoreAccessKeysContract('MemoryRelayStore', memoryHarness);

it('MemoryRelayStore says that it keeps nothing', async () => {
  const store = new MemoryRelayStore();
  expect(await store.init()).toEqual({
    engine: 'memory',
    survivesProcessCrash: false,
    survivesPowerLoss: false,
    settings: { persistence: 'none' },
  });
  await store.close();
});
