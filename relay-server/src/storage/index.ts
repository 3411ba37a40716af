/**
 * The relay's storage layer: the RelayStore contract, its implementations
 * (memory, SQLite, PostgreSQL), and `openStore`, which builds and initialises one from a
 * small configuration object. Code above this layer should depend on the
 * RelayStore interface only.
 */
import { MemoryRelayStore } from './memory-store.js';
import { PostgresRelayStore } from './postgres-store.js';
import type { DurabilityReport, RelayStore } from './relay-store.js';
import type { SqliteSynchronousLevel } from './sqlite-durability.js';
import { SqliteRelayStore } from './sqlite-store.js';

export { MemoryRelayStore } from './memory-store.js';
export { LATEST_POSTGRES_SCHEMA_VERSION } from './postgres-migrations.js';
export { PostgresRelayStore, type PostgresRelayStoreOptions } from './postgres-store.js';
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
    }
  | {
      readonly kind: 'postgres';
      /** May hold a password: never log it. */
      readonly connectionString: string;
      readonly schema?: string | undefined;
    };

export interface OpenedStore {
  readonly store: RelayStore;
  /** What the store promises; log it at start-up. */
  readonly durability: DurabilityReport;
}

function createStore(config: StoreConfig): RelayStore {
  switch (config.kind) {
    case 'memory':
      return new MemoryRelayStore();
    case 'sqlite':
      return new SqliteRelayStore({
        dataDir: config.dataDir,
        synchronous: config.synchronous,
        busyTimeoutMs: config.busyTimeoutMs,
      });
    case 'postgres':
      return new PostgresRelayStore({ connectionString: config.connectionString, schema: config.schema });
  }
}

/** The store a relay configuration names. */
export function storeConfigOf(config: {
  readonly store: 'sqlite' | 'memory' | 'postgres';
  readonly dataDir: string;
  readonly sqliteSynchronous: SqliteSynchronousLevel;
  readonly postgresUrl: string | undefined;
  readonly postgresSchema: string | undefined;
}): StoreConfig {
  if (config.store === 'memory') return { kind: 'memory' };
  if (config.store === 'postgres' && config.postgresUrl !== undefined) {
    return { kind: 'postgres', connectionString: config.postgresUrl, schema: config.postgresSchema };
  }
  return { kind: 'sqlite', dataDir: config.dataDir, synchronous: config.sqliteSynchronous };
}

/** Creates the configured store and runs `init()`; rejects (nothing left open) when the store cannot keep its promises. */
export async function openStore(config: StoreConfig): Promise<OpenedStore> {
  const store = createStore(config);
  const durability = await store.init();
  return { store, durability };
}
