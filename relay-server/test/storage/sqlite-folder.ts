/**
 * A temporary data folder per test and the SQLite stores a test opened in it,
 * closed and removed after the test (the SQLite-specific test files).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { SqliteRelayStore, type SqliteRelayStoreOptions } from '../../src/storage/sqlite-store.js';

export async function temporaryFolder(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'parley-relay-store-'));
}

export function modeOf(path: string): Promise<number> {
  return stat(path).then((stats) => stats.mode & 0o777);
}

export interface SqliteFolder {
  readonly folder: string;
  readonly dataDir: string;
  /** Stores to close after the test. */
  readonly opened: SqliteRelayStore[];
  /** A store on this test's folder, initialised and closed after the test. */
  open(options?: Partial<SqliteRelayStoreOptions>): Promise<SqliteRelayStore>;
  databasePath(): string;
}

export function useSqliteFolder(): SqliteFolder {
  const current = { folder: '', dataDir: '' };
  const opened: SqliteRelayStore[] = [];
  beforeEach(async () => {
    current.folder = await temporaryFolder();
    current.dataDir = join(current.folder, 'data');
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(current.folder, { recursive: true, force: true });
  });
  return {
    get folder() {
      return current.folder;
    },
    get dataDir() {
      return current.dataDir;
    },
    opened,
    async open(options = {}) {
      const store = new SqliteRelayStore({ dataDir: current.dataDir, ...options });
      opened.push(store);
      await store.init();
      return store;
    },
    databasePath: () => join(current.dataDir, 'relay.sqlite'),
  };
}
