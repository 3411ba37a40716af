/**
 * Engine databases whose deletion was started but may not have finished.
 *
 * Delete account erases the vault's identity before it deletes this
 * profile's IndexedDB database (account-deletion.ts). The database's name
 * comes from the vault's data key (at-rest/keys.ts), so once the identity is
 * gone nothing can name it any more: an app that stops between the two steps
 * would leave the history behind for good (sealed, but there). So the name
 * is written down first, in a small database of its own beside it
 * (`parley-pending-deletions`, one row per name, no secrets: the name is a
 * hash), and struck out once the database is gone. When the app next starts
 * and the vault has no identity, every name still written down is deleted
 * (Session.begin → Engine.deleteLeftoverDatabases). While an identity
 * exists nothing is deleted: the deletion that wrote the name may have
 * failed before the vault step, and then the database is still the one in
 * use (a retry of Delete account finishes it).
 */
import { Dexie, type Table } from 'dexie';
import { EngineError, EngineErrorCode } from './errors.js';

export const PENDING_DELETIONS_DATABASE = 'parley-pending-deletions';

export interface IndexedDbTarget {
  /** IndexedDB to use (default: the browser's). Tests pass fake-indexeddb's. */
  readonly indexedDB?: IDBFactory | undefined;
  readonly IDBKeyRange?: typeof IDBKeyRange | undefined;
}

interface PendingDeletion {
  readonly name: string;
  readonly since: number;
}

function dexieOptions(target: IndexedDbTarget): ConstructorParameters<typeof Dexie>[1] {
  return {
    ...(target.indexedDB === undefined ? {} : { indexedDB: target.indexedDB }),
    ...(target.IDBKeyRange === undefined ? {} : { IDBKeyRange: target.IDBKeyRange }),
    chromeTransactionDurability: 'strict',
  };
}

/** Runs `work` on the registry, opened for it and closed afterwards. */
async function withRegistry<T>(
  target: IndexedDbTarget,
  work: (pending: Table<PendingDeletion, string>) => Promise<T>,
): Promise<T> {
  const registry = new Dexie(PENDING_DELETIONS_DATABASE, dexieOptions(target));
  registry.version(1).stores({ pending: 'name' });
  try {
    return await work(registry.table('pending'));
  } catch (error) {
    throw EngineError.is(error)
      ? error
      : new EngineError(EngineErrorCode.Storage, 'the list of databases to delete could not be used', error);
  } finally {
    registry.close();
  }
}

/** Writes `name` down as a database to delete (before the step after which nothing could name it). */
export function markForDeletion(target: IndexedDbTarget, name: string, now: number): Promise<void> {
  return withRegistry(target, async (pending) => {
    await pending.put({ name, since: now });
  });
}

/** Strikes `name` out: its database is gone. An empty registry goes too, leaving nothing behind. */
export async function unmarkDeleted(target: IndexedDbTarget, name: string): Promise<void> {
  const left = await withRegistry(target, async (pending) => {
    await pending.delete(name);
    return pending.count();
  });
  if (left === 0) await deleteDatabase(target, PENDING_DELETIONS_DATABASE);
}

async function deleteDatabase(target: IndexedDbTarget, name: string): Promise<void> {
  try {
    await new Dexie(name, dexieOptions(target)).delete();
  } catch (error) {
    throw new EngineError(EngineErrorCode.Storage, `the database ${name} could not be deleted`, error);
  }
}

/**
 * Deletes every database written down and strikes each out; answers the
 * names deleted. Call only while the vault has no identity (see above).
 * A name whose database is already gone is struck out all the same.
 */
export async function deleteLeftoverDatabases(target: IndexedDbTarget): Promise<string[]> {
  const factory = target.indexedDB ?? indexedDB;
  const existing = await factory.databases();
  // Nothing was ever written down: do not create the registry just to look.
  if (!existing.some((database) => database.name === PENDING_DELETIONS_DATABASE)) return [];
  const names = await withRegistry(target, (pending) => pending.toCollection().primaryKeys());
  const deleted: string[] = [];
  for (const name of names) {
    await deleteDatabase(target, name);
    await unmarkDeleted(target, name);
    deleted.push(name);
  }
  if (names.length === 0) await deleteDatabase(target, PENDING_DELETIONS_DATABASE);
  return deleted;
}
