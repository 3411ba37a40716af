import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

describe('vault lifecycle with the OS keychain', () => {
  it('creates, locks and unlocks; the account and the data key survive a restart', async () => {
    const dir = temporaryProfileDir();
    const keychain = new MemoryKeychain();
    const vault = keychainVault(dir, keychain);
    expect(await call(vault, 'getStatus', {})).toEqual({
      state: 'no-identity',
      keyProtection: 'os-keychain',
      account: null,
    });
    expect(await errorCodeOf(vault, 'getDataKey', {})).toBe('NO_IDENTITY');
    expect(await errorCodeOf(vault, 'unlock', {})).toBe('NO_IDENTITY');

    const account = await call(vault, 'createIdentity', {});
    expect(account.deviceId).toBe(1);
    expect(account.accountId).toMatch(/^[a-z2-7]{32}$/);
    expect(await call(vault, 'getStatus', {})).toEqual({ state: 'unlocked', keyProtection: 'os-keychain', account });
    const { key } = await call(vault, 'getDataKey', {});
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(await errorCodeOf(vault, 'createIdentity', {})).toBe('IDENTITY_EXISTS');

    const lockedEvents: unknown[] = [];
    vault.on('locked', (payload) => lockedEvents.push(payload));
    await call(vault, 'lock', {});
    expect(lockedEvents).toEqual([{}]);
    expect(await call(vault, 'getStatus', {})).toEqual({ state: 'locked', keyProtection: 'os-keychain', account });
    expect(await errorCodeOf(vault, 'getDataKey', {})).toBe('LOCKED');
    expect(await errorCodeOf(vault, 'getSafetyNumber', { accountId: 'a'.repeat(32) })).toBe('LOCKED');
    expect(await call(vault, 'unlock', {})).toEqual(account);
    expect(await call(vault, 'getDataKey', {})).toEqual({ key });
    await call(vault, 'lock', {});

    // A new process: nothing on disk names the account, so it is known again after unlock.
    const restarted = keychainVault(dir, keychain);
    expect(await call(restarted, 'getStatus', {})).toEqual({
      state: 'locked',
      keyProtection: 'os-keychain',
      account: null,
    });
    expect(await call(restarted, 'unlock', {})).toEqual(account);
    expect(await call(restarted, 'getDataKey', {})).toEqual({ key });
    expect(await errorCodeOf(restarted, 'unlock', { passphrase: 'not for a keychain vault' })).toBe('INVALID_ARGUMENT');
    await call(restarted, 'lock', {});
  });

  it('refuses a keychain that holds another key, and a second vault on an open profile', async () => {
    const dir = temporaryProfileDir();
    const vault = keychainVault(dir, new MemoryKeychain());
    await call(vault, 'createIdentity', {});
    const foreign = keychainVault(dir, new MemoryKeychain());
    expect(await errorCodeOf(foreign, 'unlock', {})).toBe('STORAGE');

    // The first vault still holds the profile's lock.
    const keychain = new MemoryKeychain();
    const dirB = temporaryProfileDir();
    const first = keychainVault(dirB, keychain);
    await call(first, 'createIdentity', {});
    await call(first, 'lock', {});
    await call(first, 'unlock', {});
    const second = keychainVault(dirB, keychain);
    expect(await errorCodeOf(second, 'unlock', {})).toBe('STORAGE');
    await call(first, 'lock', {});
    await call(second, 'unlock', {});
    await call(second, 'lock', {});
    await call(vault, 'lock', {});
  });

  it('keeps the profile folder 0700 and its files 0600', async () => {
    const dir = temporaryProfileDir();
    const vault = keychainVault(dir, new MemoryKeychain());
    await call(vault, 'createIdentity', {});
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of ['vault-key.json', 'vault.sqlite', 'vault.sqlite-wal']) {
      expect(statSync(join(dir, name)).mode & 0o777, name).toBe(0o600);
    }
    await call(vault, 'lock', {});
  });
});

describe('vault lifecycle with a passphrase (Argon2id in a worker)', () => {
  it('creates with a passphrase, refuses a wrong one, unlocks with the right one', async () => {
    const dir = temporaryProfileDir();
    const vault = passphraseVault(dir);
    expect(await errorCodeOf(vault, 'createIdentity', {})).toBe('INVALID_ARGUMENT');
    expect((await attempt(vault, 'createIdentity', { passphrase: '' })).ok).toBe(false);
    const account = await call(vault, 'createIdentity', { passphrase: 'correct horse battery staple' });
    const { key } = await call(vault, 'getDataKey', {});
    await call(vault, 'lock', {});
    expect(await call(vault, 'getStatus', {})).toMatchObject({ state: 'locked', keyProtection: 'passphrase' });

    const restarted = passphraseVault(dir);
    expect(await errorCodeOf(restarted, 'unlock', { passphrase: 'wrong horse battery staple' })).toBe('BAD_PASSPHRASE');
    expect(await errorCodeOf(restarted, 'unlock', {})).toBe('INVALID_ARGUMENT');
    expect(await call(restarted, 'getStatus', {})).toMatchObject({ state: 'locked' });
    expect(await call(restarted, 'unlock', { passphrase: 'correct horse battery staple' })).toEqual(account);
    expect(await call(restarted, 'getDataKey', {})).toEqual({ key });
    await call(restarted, 'lock', {});
  });

  it('checks the passphrase of an unlock while already unlocked, with the same refusal as when locked', async () => {
    const dir = temporaryProfileDir();
    const vault = passphraseVault(dir);
    const account = await call(vault, 'createIdentity', { passphrase: 'correct horse battery staple' });
    const lockedEvents: unknown[] = [];
    vault.on('locked', (payload) => lockedEvents.push(payload));
    expect(await errorCodeOf(vault, 'unlock', { passphrase: 'wrong horse battery staple' })).toBe('BAD_PASSPHRASE');
    expect(await errorCodeOf(vault, 'unlock', {})).toBe('INVALID_ARGUMENT');
    // The refusal changes nothing: still unlocked, and the right passphrase answers as before.
    expect(await call(vault, 'getStatus', {})).toMatchObject({ state: 'unlocked' });
    expect(lockedEvents).toEqual([]);
    expect(await call(vault, 'unlock', { passphrase: 'correct horse battery staple' })).toEqual(account);
    expect(await call(vault, 'getStatus', {})).toMatchObject({ state: 'unlocked' });
    await call(vault, 'lock', {});
  });
});

describe('unlocking an unlocked vault with the OS keychain', () => {
  it('asks the keychain again rather than answering unasked', async () => {
    const dir = temporaryProfileDir();
    const keychain = new MemoryKeychain();
    const vault = keychainVault(dir, keychain);
    const account = await call(vault, 'createIdentity', {});
    expect(await call(vault, 'unlock', {})).toEqual(account);
    let asked = 0;
    const decrypt = keychain.decrypt.bind(keychain);
    keychain.decrypt = async (blob) => {
      asked++;
      return decrypt(blob);
    };
    expect(await call(vault, 'unlock', {})).toEqual(account);
    expect(asked).toBe(1);
    await call(vault, 'lock', {});
  });
});
