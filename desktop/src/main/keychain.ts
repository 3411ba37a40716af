/**
 * The vault key's protection in Electron: the OS keychain through
 * safeStorage (macOS Keychain, Windows DPAPI, libsecret or KWallet on Linux)
 * when it is real, else a passphrase the user chooses (Argon2id in the vault).
 *
 * On Linux without a keyring safeStorage selects the 'basic_text' backend,
 * which "encrypts" with a key hard-coded in Chromium: a key file wrapped that
 * way would be readable by anyone who copies it. That case, and encryption
 * being unavailable at all, fall back to a passphrase, with a warning.
 */
import { fromBase64, toBase64 } from '@parley/crypto-core/encoding';
import type { SafeStorage } from 'electron';
import type { Keychain } from '../vault/index.js';

/** The part of Electron's safeStorage this module uses. */
export type SafeStorageLike = Pick<
  SafeStorage,
  'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync' | 'getSelectedStorageBackend'
>;

export type KeyProtectionChoice =
  | { readonly keyProtection: 'os-keychain'; readonly keychain: Keychain }
  | { readonly keyProtection: 'passphrase'; readonly warning: string };

/** A Keychain over safeStorage. The key travels as base64 text because safeStorage encrypts strings. */
export function safeStorageKeychain(safeStorage: SafeStorageLike): Keychain {
  return {
    async encrypt(plain) {
      return new Uint8Array(await safeStorage.encryptStringAsync(toBase64(plain)));
    },
    async decrypt(blob) {
      // shouldReEncrypt (a rotated OS key) is not acted on: the old blob keeps decrypting.
      const { result } = await safeStorage.decryptStringAsync(Buffer.from(blob));
      return fromBase64(result);
    },
  };
}

/** Must run after app 'ready' (before it the Linux backend is 'unknown'). */
export async function chooseKeyProtection(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform,
): Promise<KeyProtectionChoice> {
  if (platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
    return {
      keyProtection: 'passphrase',
      warning:
        'No system keyring was found (safeStorage backend "basic_text"), so Parley cannot store its key there. Your keys are protected with a passphrase you choose instead.',
    };
  }
  if (!(await safeStorage.isAsyncEncryptionAvailable())) {
    return {
      keyProtection: 'passphrase',
      warning:
        'The system keychain is not available, so Parley cannot store its key there. Your keys are protected with a passphrase you choose instead.',
    };
  }
  return { keyProtection: 'os-keychain', keychain: safeStorageKeychain(safeStorage) };
}
