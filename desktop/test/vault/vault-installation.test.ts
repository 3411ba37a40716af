/**
 * The install's id (docs/protocol.md §3.1): made with the identity, kept
 * across lock, unlock and restarts, shown in registrations and token
 * requests alike, never carried by a backup (a restore is another install),
 * and given at first unlock to a vault made before installation ids.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DurableRecords } from '../../src/vault/durable-records.js';
import { readKeyFile, unwrapVaultKey } from '../../src/vault/key-file.js';
import { RecordKinds } from '../../src/vault/record-kinds.js';
import { RowSealer } from '../../src/vault/sealed-rows.js';
import { VaultDatabase } from '../../src/vault/vault-database.js';
import { deriveVaultSubkeys } from '../../src/vault/vault-subkeys.js';
import { MemoryKeychain } from './support/memory-keychain.js';
import {
  call,
  keychainVault,
  randomChallenge,
  removeTemporaryDirs,
  temporaryProfileDir,
} from './support/vault-harness.js';

// Backups go to ~/Parley Backups: this process gets its own home.
const home = mkdtempSync(join(tmpdir(), 'parley-installation-home-'));
process.env.HOME = home;

afterAll(() => {
  removeTemporaryDirs();
  rmSync(home, { recursive: true, force: true });
});

const RELAY = 'https://relay.example.org';

type AnyVault = ReturnType<typeof keychainVault>;

/** The id the vault shows a relay, checked to be the same in a registration and a login. */
async function installationIdOf(vault: AnyVault): Promise<string> {
  const registration = await call(vault, 'buildRegistration', { relayUrl: RELAY, challenge: randomChallenge() });
  const login = await call(vault, 'signChallenge', { relayUrl: RELAY, challenge: randomChallenge() });
  expect(login.installationId).toBe(registration.installationId);
  expect(Buffer.from(registration.installationId, 'base64')).toHaveLength(16);
  return registration.installationId;
}

describe('the installation id', () => {
  it('is made with the identity and kept across lock, unlock and a restart', async () => {
    const keychain = new MemoryKeychain();
    const profileDir = temporaryProfileDir();
    const vault = keychainVault(profileDir, keychain);
    await call(vault, 'createIdentity', {});
    const id = await installationIdOf(vault);
    await call(vault, 'lock', {});
    await call(vault, 'unlock', {});
    expect(await installationIdOf(vault)).toBe(id);
    await call(vault, 'lock', {});
    const restarted = keychainVault(profileDir, keychain);
    await call(restarted, 'unlock', {});
    expect(await installationIdOf(restarted)).toBe(id);

    const other = keychainVault(temporaryProfileDir(), new MemoryKeychain());
    await call(other, 'createIdentity', {});
    expect(await installationIdOf(other)).not.toBe(id);
  });

  it('is new on a restore: the backup does not carry it, so the restored copy is another install', async () => {
    const original = keychainVault(temporaryProfileDir(), new MemoryKeychain());
    const account = await call(original, 'createIdentity', {});
    const originalId = await installationIdOf(original);
    const passphrase = '12345 67890 13579 24680 11223 34455';
    const { exportId } = await call(original, 'backupExportBegin', {
      passphrase,
      includeIdentity: true,
      fileName: 'installation.parleybackup',
    });
    const { path } = await call(original, 'backupExportFinish', { exportId });

    const restored = keychainVault(temporaryProfileDir(), new MemoryKeychain());
    const { uploadId } = await call(restored, 'backupUpload', { data: readFileSync(path).toString('base64') });
    const { restoreId } = await call(restored, 'backupRestoreOpen', { uploadId, passphrase });
    expect(await call(restored, 'backupRestoreIdentity', { restoreId })).toEqual(account);
    await call(restored, 'backupRestoreFinish', { restoreId, outcome: 'imported' });
    const restoredId = await installationIdOf(restored);
    expect(restoredId).not.toBe(originalId);
    // The original keeps its own.
    expect(await installationIdOf(original)).toBe(originalId);
  });

  it('is given at first unlock to a vault made before installation ids, and kept', async () => {
    const keychain = new MemoryKeychain();
    const profileDir = temporaryProfileDir();
    const vault = keychainVault(profileDir, keychain);
    await call(vault, 'createIdentity', {});
    const before = await installationIdOf(vault);
    await call(vault, 'lock', {});
    // What an older vault looks like: no installation-id record.
    const keyFile = readKeyFile(profileDir);
    if (keyFile === null) throw new Error('no key file');
    const vaultKey = await unwrapVaultKey(keyFile, { protection: 'os-keychain', keychain });
    const database = VaultDatabase.open(profileDir);
    try {
      const records = await DurableRecords.load(database, new RowSealer(deriveVaultSubkeys(vaultKey)));
      expect(records.has(RecordKinds.installationId)).toBe(true);
      await records.transaction(async () => records.delete(RecordKinds.installationId));
      records.clear();
    } finally {
      database.close();
    }

    const upgraded = keychainVault(profileDir, keychain);
    await call(upgraded, 'unlock', {});
    const given = await installationIdOf(upgraded);
    expect(given).not.toBe(before);
    await call(upgraded, 'lock', {});
    await call(upgraded, 'unlock', {});
    expect(await installationIdOf(upgraded)).toBe(given);
  });
});
