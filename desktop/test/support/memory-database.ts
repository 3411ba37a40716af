/** An engine database on a fresh fake-indexeddb, sealed under a random data key, for tests without a vault. */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { AtRestKeys } from '../../src/renderer/engine/at-rest/keys.js';
import { EngineDatabase } from '../../src/renderer/engine/database.js';
import type { SchemaVersion } from '../../src/renderer/engine/schema.js';

export function randomDataKey(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(32));
}

export async function memoryDatabase(
  options: { name?: string; indexedDB?: IDBFactory; versions?: readonly SchemaVersion[]; dataKey?: Uint8Array } = {},
): Promise<EngineDatabase> {
  const db = new EngineDatabase({
    name: options.name ?? 'engine-test',
    keys: AtRestKeys.fromDataKey(options.dataKey ?? randomDataKey()),
    indexedDB: options.indexedDB ?? new IDBFactory(),
    IDBKeyRange,
    ...(options.versions === undefined ? {} : { versions: options.versions }),
  });
  await db.open();
  return db;
}
