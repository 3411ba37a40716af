/**
 * Opening a profile's engine database: the data key comes from the vault,
 * the database's name and the at-rest keys from the data key, and a version
 * 1 database left by an earlier Parley is migrated on the way
 * (legacy-migration.ts). The Engine, a restore and the backup CLI's page all
 * open it here.
 */

import { fromBase64 } from '@parley/crypto-core/encoding';
import type { AccountId } from '@parley/crypto-core/wire';
import { EngineDatabase } from '../database.js';
import { EngineError, EngineErrorCode } from '../errors.js';
import { type EngineLogger, silentLogger } from '../logger.js';
import type { VaultGateway } from '../vault-calls.js';
import { vaultFailureError } from '../vault-errors-map.js';
import { AtRestKeys } from './keys.js';
import { databaseExists, migrateLegacyDatabase } from './legacy-migration.js';

export interface DatabaseTarget {
  /** IndexedDB to use (default: the browser's). Tests pass fake-indexeddb's. */
  readonly indexedDB?: IDBFactory | undefined;
  readonly IDBKeyRange?: typeof IDBKeyRange | undefined;
  /** A database name of the test's choosing (default: derived from the data key). */
  readonly name?: string | undefined;
  readonly logger?: EngineLogger | undefined;
}

/** Where a profile's history lived before it was sealed at rest (schema version 1). */
export function legacyDatabaseName(accountId: AccountId): string {
  return `parley-engine-${accountId}`;
}

/** The data key, from the (unlocked) vault. */
export async function dataKeyFrom(vault: VaultGateway): Promise<Uint8Array<ArrayBuffer>> {
  try {
    const { key } = await vault.call('getDataKey', {});
    return fromBase64(key);
  } catch (error) {
    throw vaultFailureError(error);
  }
}

/** The name of the database that holds a profile's history (derived from its data key). */
export function engineDatabaseName(dataKey: Uint8Array, target: DatabaseTarget = {}): string {
  return target.name ?? AtRestKeys.fromDataKey(dataKey).databaseName;
}

/** Whether this browser holds a history for the profile (sealed, or version 1 awaiting migration). */
export async function hasHistory(
  dataKey: Uint8Array,
  accountId: AccountId,
  target: DatabaseTarget = {},
): Promise<boolean> {
  const factory = target.indexedDB ?? indexedDB;
  return (
    (await databaseExists(factory, engineDatabaseName(dataKey, target))) ||
    (await databaseExists(factory, legacyDatabaseName(accountId)))
  );
}

/** Opens (creating if need be) the profile's database, migrating a version 1 database first. */
export async function openProfileDatabase(
  dataKey: Uint8Array<ArrayBuffer>,
  accountId: AccountId,
  target: DatabaseTarget = {},
): Promise<EngineDatabase> {
  const keys = AtRestKeys.fromDataKey(dataKey);
  const db = new EngineDatabase({
    name: target.name ?? keys.databaseName,
    keys,
    ...(target.indexedDB === undefined ? {} : { indexedDB: target.indexedDB }),
    ...(target.IDBKeyRange === undefined ? {} : { IDBKeyRange: target.IDBKeyRange }),
  });
  try {
    await db.open();
    await migrateLegacyDatabase(
      db,
      {
        name: legacyDatabaseName(accountId),
        dataKey,
        indexedDB: target.indexedDB,
        IDBKeyRange: target.IDBKeyRange,
      },
      target.logger ?? silentLogger,
    );
  } catch (error) {
    db.close();
    throw EngineError.is(error)
      ? error
      : new EngineError(EngineErrorCode.Storage, 'the local database could not be opened', error);
  }
  return db;
}
