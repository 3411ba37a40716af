/**
 * The vault's SQLite file (`vault.sqlite`, better-sqlite3): one table of
 * (row id, sealed value) pairs, see sealed-rows.ts. SQLite gives what a
 * hand-written file format would have to re-invent: atomic multi-row commits
 * that survive kill -9 and power loss at any instant, and a WAL that makes a
 * commit one sequential append.
 *
 * Settings (set, then read back; anything else refuses to open):
 * - journal_mode=WAL, synchronous=FULL: a commit that returned is on stable
 *   storage. It survives a process crash (kill -9, OOM) and power loss or an
 *   OS crash. NORMAL would survive only process crashes, and losing the last
 *   commit after a power cut is not harmless here: a ratchet step rolled back
 *   after its ciphertext was sent means the next message reuses a message key.
 * - locking_mode=EXCLUSIVE: the connection holds the file lock until close, so
 *   a second process (or vault object) on the same profile fails at unlock
 *   instead of both writing from diverging memory copies. In this mode WAL
 *   needs no shared-memory index, so there is no `-shm` file.
 * - secure_delete=ON: freed pages are zeroed, so deleted rows (used prekeys,
 *   released plaintext, superseded ratchet states) do not linger in the file
 *   for someone who later obtains the vault key (the WAL keeps old page
 *   images only until its checkpoint).
 * - temp_store=MEMORY: no temporary files beside the database.
 * On lock the WAL is checkpointed and truncated, leaving one file at rest.
 */

import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { VaultError } from '../common/dispatch.js';
import { ensurePrivateFile, PROFILE_FILE_MODE, PROFILE_FILES } from './profile-files.js';
import { storageError, vaultFromNewerVersionError } from './vault-errors.js';

/** Stored as SQLite's user_version; a higher one was written by a newer app and is refused. */
export const SCHEMA_VERSION = 1;
/** How long opening waits for another holder of the profile before it gives up. */
const LOCK_WAIT_MS = 500;

export interface SealedRow {
  readonly id: Uint8Array;
  readonly sealed: Uint8Array;
}

const SYNCHRONOUS_FULL = 2;

function expectPragma(db: Database.Database, name: string, expected: string | number): void {
  const actual = db.pragma(name, { simple: true });
  const same = typeof expected === 'string' ? String(actual).toLowerCase() === expected : Number(actual) === expected;
  if (!same) throw new Error(`SQLite setting ${name} is ${String(actual)}, expected ${String(expected)}`);
}

/** The database's schema version; throws VAULT_FROM_NEWER_VERSION when this build does not know it. */
function refuseNewerSchema(db: Database.Database): number {
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version > SCHEMA_VERSION)
    throw vaultFromNewerVersionError(`schema version ${version} is newer than ${SCHEMA_VERSION}`);
  return version;
}

export class VaultDatabase {
  readonly #db: Database.Database;
  readonly #upsert: Database.Statement<[Uint8Array, Uint8Array]>;
  readonly #delete: Database.Statement<[Uint8Array]>;
  readonly #selectAll: Database.Statement<[], { id: Uint8Array; sealed: Uint8Array }>;
  readonly #write: (upserts: readonly SealedRow[], deletes: readonly Uint8Array[]) => void;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#upsert = db.prepare(
      'INSERT INTO vault_rows (id, sealed) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET sealed = excluded.sealed',
    );
    this.#delete = db.prepare('DELETE FROM vault_rows WHERE id = ?');
    this.#selectAll = db.prepare('SELECT id, sealed FROM vault_rows');
    this.#write = db.transaction((upserts: readonly SealedRow[], deletes: readonly Uint8Array[]) => {
      for (const row of upserts) this.#upsert.run(row.id, row.sealed);
      for (const id of deletes) this.#delete.run(id);
    });
  }

  static path(profileDir: string): string {
    return join(profileDir, PROFILE_FILES.database);
  }

  /** Opens (creating if needed) the profile's database and takes its exclusive lock. */
  static open(profileDir: string): VaultDatabase {
    const path = VaultDatabase.path(profileDir);
    let db: Database.Database | undefined;
    try {
      // Created 0600 before SQLite touches it; SQLite gives its WAL the same mode.
      ensurePrivateFile(path);
      db = new Database(path, { timeout: LOCK_WAIT_MS });
      db.pragma('locking_mode = EXCLUSIVE');
      // Read before any setting that may write (journal_mode): a database
      // from a newer app is left exactly as it was.
      refuseNewerSchema(db);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('secure_delete = ON');
      db.pragma('temp_store = MEMORY');
      if (process.platform === 'darwin') db.pragma('fullfsync = ON');
      expectPragma(db, 'locking_mode', 'exclusive');
      expectPragma(db, 'journal_mode', 'wal');
      expectPragma(db, 'synchronous', SYNCHRONOUS_FULL);
      expectPragma(db, 'secure_delete', 1);
      // Taking the write lock now (held until close in EXCLUSIVE mode) makes a
      // second opener fail here rather than at its first write.
      db.exec('BEGIN EXCLUSIVE');
      const version = refuseNewerSchema(db);
      if (version === 0) {
        db.exec('CREATE TABLE vault_rows (id BLOB PRIMARY KEY NOT NULL, sealed BLOB NOT NULL) WITHOUT ROWID');
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }
      db.exec('COMMIT');
      const wal = `${path}-wal`;
      if (existsSync(wal)) chmodSync(wal, PROFILE_FILE_MODE);
      return new VaultDatabase(db);
    } catch (error) {
      db?.close();
      if (VaultError.is(error)) throw error;
      const busy = (error as { code?: unknown }).code === 'SQLITE_BUSY';
      throw storageError(busy ? 'the profile is open in another vault' : 'the vault database cannot be opened', error);
    }
  }

  readAll(): SealedRow[] {
    try {
      return this.#selectAll.all();
    } catch (error) {
      throw storageError('the vault database cannot be read', error);
    }
  }

  /** Writes all changes of one operation in one transaction: all of them are durable, or none. */
  write(upserts: readonly SealedRow[], deletes: readonly Uint8Array[]): void {
    if (upserts.length === 0 && deletes.length === 0) return;
    try {
      this.#write(upserts, deletes);
    } catch (error) {
      throw storageError('the vault database cannot be written', error);
    }
  }

  /** Folds the WAL into the main file and truncates it, then releases the lock. */
  close(): void {
    try {
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.#db.close();
    }
  }
}
