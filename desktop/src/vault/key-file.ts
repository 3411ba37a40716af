/**
 * The key file (`vault-key.json`): the vault key, wrapped either by the OS
 * keychain (Electron safeStorage, through the `Keychain` seam) or by a key
 * derived from the user's passphrase with Argon2id. Beside it: the Argon2id
 * salt and parameters, and a check value sealed under a subkey of the vault
 * key, so an unwrapped key is known to be the right one before the database
 * is touched.
 *
 * It names no account and holds nothing readable without the passphrase or the
 * keychain. Its presence is what makes an identity exist: createIdentity writes
 * it last, atomically, after the database is complete (vault.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Argon2idParams,
  argon2idParamsProblem,
  type Bytes,
  generateKey,
  generateSalt,
  openAtRest,
  ParleyCryptoError,
  sealAtRest,
  utf8,
} from '@parley/crypto-core';
import { fromBase64, toBase64 } from '@parley/crypto-core/encoding';
import { writeFileAtomicSync } from '@parley/crypto-core/node';
import { z } from 'zod';
import { derivePassphraseKey } from './passphrase-kdf.js';
import { PROFILE_FILE_MODE, PROFILE_FILES } from './profile-files.js';
import { badPassphraseError, invalidArgumentError, storageError } from './vault-errors.js';
import { deriveVaultSubkeys, wipe } from './vault-subkeys.js';

/** What Electron's safeStorage offers (wired by the main process); any equivalent OS-backed wrapper fits. */
export interface Keychain {
  encrypt(plain: Uint8Array): Promise<Uint8Array>;
  decrypt(blob: Uint8Array): Promise<Uint8Array>;
}

/** How a new vault key gets wrapped, or how an existing one is unwrapped. */
export type KeyUnwrapping =
  | { readonly protection: 'passphrase'; readonly passphrase: string; readonly kdf: Argon2idParams }
  | { readonly protection: 'os-keychain'; readonly keychain: Keychain };

const VAULT_KEY_BYTES = 32;
const PASSPHRASE_WRAP_AD = 'parley-vault/vault-key/passphrase/v1';
const KEY_CHECK_AD = 'parley-vault/key-check/v1';
const KEY_CHECK_PLAINTEXT = 'parley vault key check';

/** Canonical base64, checked here so a damaged field is a damaged key file (STORAGE), not a decoding error later. */
const base64Field = z.string().refine((text) => {
  try {
    fromBase64(text);
    return true;
  } catch {
    return false;
  }
}, 'must be canonical base64');

const keyFileSchema = z.strictObject({
  format: z.literal('parley-vault-key'),
  version: z.literal(1),
  protection: z.enum(['passphrase', 'os-keychain']),
  kdf: z
    .strictObject({
      algorithm: z.literal('argon2id13'),
      opsLimit: z.number().int(),
      memLimit: z.number().int(),
      salt: base64Field,
    })
    .optional(),
  wrappedKey: base64Field,
  keyCheck: base64Field,
});
export type KeyFile = z.infer<typeof keyFileSchema>;

function keyFilePath(profileDir: string): string {
  return join(profileDir, PROFILE_FILES.keyFile);
}

/** The key file, or null when the profile has no identity yet. Damage is STORAGE, never "no identity". */
export function readKeyFile(profileDir: string): KeyFile | null {
  let text: string;
  try {
    text = readFileSync(keyFilePath(profileDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw storageError('the vault key file cannot be read', error);
  }
  let parsed: KeyFile;
  try {
    parsed = keyFileSchema.parse(JSON.parse(text));
  } catch (error) {
    throw storageError('the vault key file is damaged', error);
  }
  if (parsed.protection === 'passphrase') {
    const problem = parsed.kdf === undefined ? 'missing Argon2id parameters' : argon2idParamsProblem(parsed.kdf);
    if (problem !== undefined) throw storageError(`the vault key file is damaged: ${problem}`, null);
  }
  return parsed;
}

async function sealKeyCheck(vaultKey: Uint8Array): Promise<Bytes> {
  const { keyCheck } = deriveVaultSubkeys(vaultKey);
  return sealAtRest(keyCheck, utf8(KEY_CHECK_PLAINTEXT), KEY_CHECK_AD);
}

async function keyCheckPasses(vaultKey: Uint8Array, sealedCheck: Uint8Array): Promise<boolean> {
  if (vaultKey.byteLength !== VAULT_KEY_BYTES) return false;
  try {
    await openAtRest(deriveVaultSubkeys(vaultKey).keyCheck, sealedCheck, KEY_CHECK_AD);
    return true;
  } catch {
    return false;
  }
}

export interface PreparedVaultKey {
  /** The new vault key (kept in memory only). */
  readonly vaultKey: Bytes;
  /** Its key file, to be written with `writeKeyFile` once the database is complete. */
  readonly keyFile: KeyFile;
}

/** Makes a new random vault key and the key file that wraps it as asked. Writes nothing. */
export async function prepareVaultKey(wrapping: KeyUnwrapping): Promise<PreparedVaultKey> {
  const vaultKey = await generateKey();
  const keyCheck = toBase64(await sealKeyCheck(vaultKey));
  if (wrapping.protection === 'passphrase') {
    const salt = await generateSalt();
    const wrappingKey = await derivePassphraseKey({ passphrase: wrapping.passphrase, salt, params: wrapping.kdf });
    try {
      const wrappedKey = toBase64(await sealAtRest(wrappingKey, vaultKey, PASSPHRASE_WRAP_AD));
      const kdf = {
        algorithm: 'argon2id13',
        opsLimit: wrapping.kdf.opsLimit,
        memLimit: wrapping.kdf.memLimit,
        salt: toBase64(salt),
      } as const;
      return {
        vaultKey,
        keyFile: { format: 'parley-vault-key', version: 1, protection: 'passphrase', kdf, wrappedKey, keyCheck },
      };
    } finally {
      wipe(wrappingKey);
    }
  }
  let blob: Uint8Array;
  try {
    blob = await wrapping.keychain.encrypt(vaultKey.slice());
  } catch (error) {
    throw storageError('the OS keychain refused to protect the vault key', error);
  }
  return {
    vaultKey,
    keyFile: {
      format: 'parley-vault-key',
      version: 1,
      protection: 'os-keychain',
      wrappedKey: toBase64(blob),
      keyCheck,
    },
  };
}

/** Writes the key file atomically: the moment the profile's identity starts to exist. */
export function writeKeyFile(profileDir: string, keyFile: KeyFile): void {
  try {
    writeFileAtomicSync(join(profileDir, PROFILE_FILES.keyFile), `${JSON.stringify(keyFile, null, 2)}\n`, {
      mode: PROFILE_FILE_MODE,
    });
  } catch (error) {
    throw storageError('the vault key file cannot be written', error);
  }
}

/** The vault key from the key file: BAD_PASSPHRASE for a wrong passphrase, STORAGE for a keychain that fails. */
export async function unwrapVaultKey(file: KeyFile, unwrapping: KeyUnwrapping): Promise<Bytes> {
  if (file.protection !== unwrapping.protection) {
    throw invalidArgumentError(
      file.protection === 'passphrase'
        ? 'this profile is protected by a passphrase'
        : 'this profile is protected by the OS keychain',
    );
  }
  const wrapped = fromBase64(file.wrappedKey);
  const sealedCheck = fromBase64(file.keyCheck);
  let vaultKey: Bytes;
  if (unwrapping.protection === 'passphrase') {
    const kdf = file.kdf;
    if (kdf === undefined) throw storageError('the vault key file has no Argon2id parameters', null);
    const wrappingKey = await derivePassphraseKey({
      passphrase: unwrapping.passphrase,
      salt: fromBase64(kdf.salt),
      params: { opsLimit: kdf.opsLimit, memLimit: kdf.memLimit },
    });
    try {
      vaultKey = await openAtRest(wrappingKey, wrapped, PASSPHRASE_WRAP_AD);
    } catch (error) {
      // The wrapped key is authenticated: failing to open it means another passphrase.
      if (ParleyCryptoError.is(error, 'INVALID_MESSAGE')) throw badPassphraseError(error);
      throw error;
    } finally {
      wipe(wrappingKey);
    }
  } else {
    try {
      const plain = await unwrapping.keychain.decrypt(wrapped);
      vaultKey = new Uint8Array(plain.byteLength);
      vaultKey.set(plain);
    } catch (error) {
      throw storageError('the OS keychain could not unwrap the vault key', error);
    }
  }
  if (!(await keyCheckPasses(vaultKey, sealedCheck))) {
    wipe(vaultKey);
    throw unwrapping.protection === 'passphrase'
      ? storageError('the vault key file is damaged', null)
      : storageError('the OS keychain returned a different key (another user or machine?)', null);
  }
  return vaultKey;
}
