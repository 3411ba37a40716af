/** An engine database on a fresh fake-indexeddb, and the at-rest cipher, for tests without a vault. */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { BodyCipher } from '../../src/renderer/engine/body-cipher.js';
import { EngineDatabase } from '../../src/renderer/engine/database.js';
import type { SchemaVersion } from '../../src/renderer/engine/schema.js';

export async function memoryDatabase(
  options: { name?: string; indexedDB?: IDBFactory; versions?: readonly SchemaVersion[] } = {},
): Promise<EngineDatabase> {
  const db = new EngineDatabase({
    name: options.name ?? 'engine-test',
    indexedDB: options.indexedDB ?? new IDBFactory(),
    IDBKeyRange,
    ...(options.versions === undefined ? {} : { versions: options.versions }),
  });
  await db.open();
  return db;
}

export function testCipher(): Promise<BodyCipher> {
  return BodyCipher.fromRawKey(crypto.getRandomValues(new Uint8Array(32)));
}
