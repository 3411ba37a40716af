/**
 * The relay's storage layer: the RelayStore contract, its two
 * implementations, and `openStore`, which builds and initialises one from a
 * small configuration object. Code above this layer should depend on the
 * RelayStore interface only.
 */
import { MemoryRelayStore } from './memory-store.js';
import type { DurabilityReport, RelayStore } from './relay-store.js';
import type { SqliteSynchronousLevel } from './sqlite-durability.js';
import { SqliteRelayStore } from './sqlite-store.js';

export { MemoryRelayStore } from './memory-store.js';
export type {
  ClaimedBundle,
  DeviceRegistration,
  DurabilityReport,
  EnvelopeDeletion,
  NewEnvelope,
  PreKeyCounts,
  PreKeyReplenish,
  RegisteredDevice,
  RelayStore,
  StoredAccount,
  StoredChallenge,
  StoredDevice,
  StoredEnvelope,
} from './relay-store.js';
export { RelayStoreError, RelayStoreErrorCode, type RelayStoreErrorDetails } from './relay-store-errors.js';
export {
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_SQLITE_SYNCHRONOUS,
  parseSqliteSynchronous,
  SQLITE_SYNCHRONOUS_LEVELS,
  type SqliteSynchronousLevel,
} from './sqlite-durability.js';
export { DEFAULT_DATABASE_FILE } from './sqlite-files.js';
export { LATEST_SCHEMA_VERSION } from './sqlite-migrations.js';
export { type SqliteLocation, SqliteRelayStore, type SqliteRelayStoreOptions } from './sqlite-store.js';

export type StoreConfig =
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'sqlite';
      readonly dataDir: string;
      readonly synchronous?: SqliteSynchronousLevel | undefined;
      readonly busyTimeoutMs?: number | undefined;
    };

export interface OpenedStore {
  readonly store: RelayStore;
  /** What the store promises; log it at start-up. */
  readonly durability: DurabilityReport;
}

/** Creates the configured store and runs `init()`; rejects (nothing left open) when the store cannot keep its promises. */
export async function openStore(config: StoreConfig): Promise<OpenedStore> {
  const store: RelayStore =
    config.kind === 'memory'
      ? new MemoryRelayStore()
      : new SqliteRelayStore({
          dataDir: config.dataDir,
          synchronous: config.synchronous,
          busyTimeoutMs: config.busyTimeoutMs,
        });
  const durability = await store.init();
  return { store, durability };
}
