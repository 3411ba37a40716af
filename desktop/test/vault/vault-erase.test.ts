/**
 * eraseIdentity (Delete account): validated like every call, refused while
 * locked or without an identity, and all or nothing: every state a crash can
 * leave behind opens as either the old profile or an empty one, never a half.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ERASE_IDENTITY_CONFIRMATION } from '../../src/common/vault-api.js';
import { ERASING_KEY_FILE } from '../../src/vault/erase-identity.js';
import { PROFILE_FILES } from '../../src/vault/profile-files.js';
import { MemoryKeychain } from './support/memory-keychain.js';
import {
  attempt,
  call,
  errorCodeOf,
  keychainVault,
  passphraseVault,
  removeTemporaryDirs,
  temporaryProfileDir,
} from './support/vault-harness.js';

afterAll(removeTemporaryDirs);

const confirm = { confirm: ERASE_IDENTITY_CONFIRMATION } as const;
const DATABASE_FILES = [PROFILE_FILES.database, `${PROFILE_FILES.database}-wal`, `${PROFILE_FILES.database}-shm`];

/** A keychain profile with an identity and a few records, closed; returns its folder, keychain and account id. */
async function closedProfile(): Promise<{ profileDir: string; keychain: MemoryKeychain; accountId: string }> {
  const keychain = new MemoryKeychain();
  const profileDir = temporaryProfileDir();
  const vault = keychainVault(profileDir, keychain);
  const account = await call(vault, 'createIdentity', {});
  await call(vault, 'buildPreKeyRefill', { preKeys: 5, kyberPreKeys: 5 });
  await call(vault, 'lock', {});
  return { profileDir, keychain, accountId: account.accountId };
}

describe('eraseIdentity', () => {
  it('erases the unlocked identity and its files; the profile is then empty and takes a new identity', async () => {
    const keychain = new MemoryKeychain();
    const profileDir = temporaryProfileDir();
    const vault = keychainVault(profileDir, keychain);
    const first = await call(vault, 'createIdentity', {});
    expect(readdirSync(profileDir)).toContain(PROFILE_FILES.keyFile);

    expect(await call(vault, 'eraseIdentity', confirm)).toBeNull();
    expect(readdirSync(profileDir)).toEqual([]);
    expect(await call(vault, 'getStatus', {})).toEqual({
      state: 'no-identity',
      keyProtection: 'os-keychain',
      account: null,
    });
    expect(await errorCodeOf(vault, 'getDataKey', {})).toBe('NO_IDENTITY');
    expect(await errorCodeOf(vault, 'eraseIdentity', confirm)).toBe('NO_IDENTITY');

    const second = await call(vault, 'createIdentity', {});
    expect(second.accountId).not.toBe(first.accountId);
    // Another vault on the folder (a restart) sees the new identity only.
    await call(vault, 'lock', {});
    const reopened = keychainVault(profileDir, keychain);
    expect((await call(reopened, 'unlock', {})).accountId).toBe(second.accountId);
    await call(reopened, 'lock', {});
  });

  it('erases a passphrase profile the same way', async () => {
    const profileDir = temporaryProfileDir();
    const vault = passphraseVault(profileDir);
    await call(vault, 'createIdentity', { passphrase: 'erase me please' });
    await call(vault, 'eraseIdentity', confirm);
    expect(readdirSync(profileDir)).toEqual([]);
    expect((await call(vault, 'getStatus', {})).state).toBe('no-identity');
  });

  it('refuses without the confirmation, while locked, and without an identity; the identity stays', async () => {
    const { profileDir, keychain, accountId } = await closedProfile();
    const vault = keychainVault(profileDir, keychain);
    for (const args of [{}, { confirm: 'yes' }, { confirm: ERASE_IDENTITY_CONFIRMATION, extra: 1 }]) {
      expect(await attempt(vault, 'eraseIdentity', args)).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT' },
      });
    }
    expect(await errorCodeOf(vault, 'eraseIdentity', confirm)).toBe('LOCKED');
    expect((await call(vault, 'unlock', {})).accountId).toBe(accountId);
    await call(vault, 'lock', {});

    const empty = keychainVault(temporaryProfileDir(), new MemoryKeychain());
    expect(await errorCodeOf(empty, 'eraseIdentity', confirm)).toBe('NO_IDENTITY');
  });

  it('leaves the old profile or an empty one at every point a crash can stop it', async () => {
    const { profileDir, keychain, accountId } = await closedProfile();
    const keyFile = join(profileDir, PROFILE_FILES.keyFile);
    const erasing = join(profileDir, ERASING_KEY_FILE);
    const database = join(profileDir, PROFILE_FILES.database);
    const keyBytes = readFileSync(keyFile);
    const saved = join(profileDir, '..', 'saved.sqlite');
    copyFileSync(database, saved);

    // Before the rename (the commit point): the old profile, whole.
    const before = keychainVault(profileDir, keychain);
    expect((await call(before, 'unlock', {})).accountId).toBe(accountId);
    await call(before, 'lock', {});

    /** Each state the erase passes through after its commit point, as a crash would leave it. */
    const crashStates: Array<() => void> = [
      // Renamed, nothing removed yet.
      () => renameSync(keyFile, erasing),
      // The database removed, the renamed key file not yet overwritten.
      () => {
        renameSync(keyFile, erasing);
        for (const name of DATABASE_FILES) rmSync(join(profileDir, name), { force: true });
      },
      // Overwritten with zeros, not yet unlinked.
      () => {
        renameSync(keyFile, erasing);
        for (const name of DATABASE_FILES) rmSync(join(profileDir, name), { force: true });
        writeFileSync(erasing, new Uint8Array(keyBytes.length));
      },
    ];
    for (const crash of crashStates) {
      writeFileSync(keyFile, keyBytes);
      copyFileSync(saved, database);
      crash();
      const after = keychainVault(profileDir, keychain);
      expect(readdirSync(profileDir)).toEqual([]);
      expect((await call(after, 'getStatus', {})).state).toBe('no-identity');
      expect(await errorCodeOf(after, 'unlock', {})).toBe('NO_IDENTITY');
    }
    expect(existsSync(erasing)).toBe(false);
  });
});
