/**
 * What a user can hit in the vault's files: a database from a newer version of
 * the app (refused with VAULT_FROM_NEWER_VERSION, the files left byte for byte
 * as they were), and damaged rows (refused with VAULT_DAMAGED naming the
 * record kind when the row opens, never skipped, never a crash).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { readKeyFile, unwrapVaultKey } from '../../src/vault/key-file.js';
import { RowSealer } from '../../src/vault/sealed-rows.js';
import { SCHEMA_VERSION } from '../../src/vault/vault-database.js';
import { deriveVaultSubkeys } from '../../src/vault/vault-subkeys.js';
import { MemoryKeychain } from './support/memory-keychain.js';
import { attempt, call, keychainVault, removeTemporaryDirs, temporaryProfileDir } from './support/vault-harness.js';

afterAll(removeTemporaryDirs);

function snapshot(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))]));
}

/** A locked keychain profile with an identity, and its database path. */
async function lockedProfile(): Promise<{ dir: string; keychain: MemoryKeychain; databasePath: string }> {
  const dir = temporaryProfileDir();
  const keychain = new MemoryKeychain();
  const vault = keychainVault(dir, keychain);
  await call(vault, 'createIdentity', {});
  await call(vault, 'lock', {});
  return { dir, keychain, databasePath: join(dir, 'vault.sqlite') };
}

function editDatabase(path: string, edit: (db: Database.Database) => void): void {
  const db = new Database(path);
  try {
    edit(db);
  } finally {
    db.close();
  }
}

async function unlockError(dir: string, keychain: MemoryKeychain): Promise<{ code: string; message: string }> {
  const result = await attempt(keychainVault(dir, keychain), 'unlock', {});
  if (result.ok) throw new Error('unlock succeeded but was expected to fail');
  return result.error;
}

async function sealerFor(dir: string, keychain: MemoryKeychain): Promise<RowSealer> {
  const keyFile = readKeyFile(dir);
  if (keyFile === null) throw new Error('no key file');
  return new RowSealer(deriveVaultSubkeys(await unwrapVaultKey(keyFile, { protection: 'os-keychain', keychain })));
}

describe('a vault database from a newer version of the app', () => {
  it('is refused with VAULT_FROM_NEWER_VERSION, telling to update, and nothing is written', async () => {
    const { dir, keychain, databasePath } = await lockedProfile();
    // A newer app may also use another journal mode: switching it back to WAL would be a write.
    editDatabase(databasePath, (db) => {
      db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      db.pragma('journal_mode = DELETE');
    });
    const before = snapshot(dir);

    const error = await unlockError(dir, keychain);
    expect(error.code).toBe('VAULT_FROM_NEWER_VERSION');
    expect(error.message).toMatch(/newer version of the app; update the app/);
    expect(error.message).toContain(`schema version ${SCHEMA_VERSION + 1}`);
    expect(snapshot(dir)).toEqual(before);

    // Still refused on the next try (nothing was "upgraded" or downgraded), and the status does not break.
    expect((await unlockError(dir, keychain)).code).toBe('VAULT_FROM_NEWER_VERSION');
    expect(await call(keychainVault(dir, keychain), 'getStatus', {})).toMatchObject({ state: 'locked' });
  });

  it('refuses a record kind this build does not know as written by a newer version', async () => {
    const { dir, keychain, databasePath } = await lockedProfile();
    const sealer = await sealerFor(dir, keychain);
    const id = sealer.rowId('future-kind');
    const sealed = await sealer.seal(id, 'future-kind', new Uint8Array([1, 2, 3]));
    editDatabase(databasePath, (db) => db.prepare('INSERT INTO vault_rows (id, sealed) VALUES (?, ?)').run(id, sealed));

    const error = await unlockError(dir, keychain);
    expect(error.code).toBe('VAULT_FROM_NEWER_VERSION');
    expect(error.message).toContain('"future-kind"');
  });
});

describe('damaged vault rows', () => {
  it('a row that does not open refuses the unlock with VAULT_DAMAGED', async () => {
    const { dir, keychain, databasePath } = await lockedProfile();
    editDatabase(databasePath, (db) => {
      const row = db.prepare('SELECT id, sealed FROM vault_rows LIMIT 1').get() as { id: Buffer; sealed: Buffer };
      const damaged = Buffer.from(row.sealed);
      damaged[damaged.length >> 1] = (damaged[damaged.length >> 1] ?? 0) ^ 0x01;
      db.prepare('UPDATE vault_rows SET sealed = ? WHERE id = ?').run(damaged, row.id);
    });
    const error = await unlockError(dir, keychain);
    expect(error).toEqual({
      code: 'VAULT_DAMAGED',
      message: 'a vault row of unknown kind is damaged: it does not open with the vault key',
    });
  });

  it('a row that opens but does not parse names its record kind', async () => {
    const { dir, keychain, databasePath } = await lockedProfile();
    const sealer = await sealerFor(dir, keychain);
    const id = sealer.rowId('prekey-state');
    const sealed = await sealer.seal(id, 'prekey-state', new TextEncoder().encode('{"not":"a prekey state"}'));
    editDatabase(databasePath, (db) => db.prepare('UPDATE vault_rows SET sealed = ? WHERE id = ?').run(sealed, id));

    const error = await unlockError(dir, keychain);
    expect(error).toEqual({
      code: 'VAULT_DAMAGED',
      message: 'a vault record of kind "prekey-state" is damaged: its value does not parse',
    });
  });

  it('a missing identity record is VAULT_DAMAGED naming it', async () => {
    const { dir, keychain, databasePath } = await lockedProfile();
    const sealer = await sealerFor(dir, keychain);
    editDatabase(databasePath, (db) => db.prepare('DELETE FROM vault_rows WHERE id = ?').run(sealer.rowId('data-key')));
    const error = await unlockError(dir, keychain);
    expect(error).toEqual({
      code: 'VAULT_DAMAGED',
      message: 'a vault record of kind "data-key" is damaged: the record is missing',
    });
  });
});
