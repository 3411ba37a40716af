/**
 * Reads IndexedDB below Dexie and below the at-rest layer, as someone holding
 * the disk would: every database of a factory, every object store, every key
 * and value, as text (strings as they are, numbers in decimal, byte arrays
 * decoded as Latin-1 so any readable run shows, and in base64).
 */
import type { IDBFactory } from 'fake-indexeddb';

export interface RawRow {
  readonly database: string;
  readonly store: string;
  readonly key: unknown;
  readonly value: unknown;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export async function rawRows(factory: IDBFactory): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  for (const { name } of await factory.databases()) {
    if (name === undefined) continue;
    const db = await request(factory.open(name));
    try {
      for (const store of Array.from(db.objectStoreNames)) {
        const tx = db.transaction(store, 'readonly');
        const objectStore = tx.objectStore(store);
        const [keys, values] = await Promise.all([request(objectStore.getAllKeys()), request(objectStore.getAll())]);
        keys.forEach((key, i) => {
          rows.push({ database: name, store, key, value: values[i] });
        });
      }
    } finally {
      db.close();
    }
  }
  return rows;
}

/** Everything in a factory as one text to search. */
export async function rawText(factory: IDBFactory): Promise<string> {
  const rows = await rawRows(factory);
  const names = (await factory.databases()).map((database) => database.name ?? '');
  return [
    ...names,
    ...rows.map((row) =>
      JSON.stringify([row.database, row.store, row.key, row.value], (_key, value: unknown) =>
        value instanceof Uint8Array || value instanceof ArrayBuffer
          ? `${Buffer.from(value as Uint8Array).toString('latin1')}|${Buffer.from(value as Uint8Array).toString('base64')}`
          : value,
      ),
    ),
  ].join('\n');
}
