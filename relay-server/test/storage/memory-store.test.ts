import { expect, it } from 'vitest';
import { MemoryRelayStore } from '../../src/storage/memory-store.js';
import { describeRelayStoreContract } from './relay-store-contract.js';

describeRelayStoreContract('MemoryRelayStore', async () => ({
  store: new MemoryRelayStore(),
  dispose: async () => {},
}));

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
