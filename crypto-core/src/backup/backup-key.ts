/**
 * The backup key schedule (docs/protocol.md §Backup container):
 *
 *   root      = Argon2id v1.3(passphrase, salt, opsLimit, memLimit), 32 bytes
 *   streamKey = crypto_kdf_derive_from_key(32, subkey id 1, context "ParleyBk", root)
 *   keyCheck  = crypto_kdf_derive_from_key(32, subkey id 2, context "ParleyBk", root)
 *
 * `keyCheck` is stored in the header. Comparing it before touching any chunk
 * tells a wrong passphrase (BAD_PASSPHRASE) apart from a damaged first chunk
 * (CORRUPT_BACKUP). It reveals nothing a guesser could not already test
 * against the first chunk, and it commits the file to one key.
 *
 * The Argon2id step is the expensive one (seconds, hundreds of MiB): do it
 * once with createBackupKey / deriveBackupKey, possibly in a worker (a
 * BackupKey is a plain object of numbers and Uint8Arrays, so it survives
 * postMessage), then pass the key to encryptBackupWithKey / decryptBackupWithKey.
 */
import {
  ARGON2ID_MODERATE,
  ARGON2ID_SALT_BYTES,
  type Argon2idParams,
  argon2id,
  assertArgon2idParams,
  SYMMETRIC_KEY_BYTES,
} from '../at-rest/passphrase-key.js';
import { loadSodium, type Sodium, sodiumFailure } from '../at-rest/sodium.js';
import { type Bytes, bytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';
import { type BackupHeader, KEY_CHECK_BYTES } from './header.js';

const KDF_CONTEXT = 'ParleyBk';
const STREAM_KEY_ID = 1;
const KEY_CHECK_ID = 2;

/** Everything needed to write or read backups for one passphrase and salt. Keep it secret. */
export interface BackupKey {
  readonly kdf: Argon2idParams;
  readonly salt: Bytes;
  /** The crypto_secretstream_xchacha20poly1305 key. */
  readonly streamKey: Bytes;
  readonly keyCheck: Bytes;
}

export interface BackupKeyOptions {
  /** Argon2id cost; default ARGON2ID_MODERATE (~1.2 s). Must lie within ARGON2ID_BOUNDS. */
  readonly kdf?: Argon2idParams | undefined;
}

function subkeys(sodium: Sodium, root: Uint8Array): { streamKey: Bytes; keyCheck: Bytes } {
  try {
    return {
      streamKey: bytes(sodium.crypto_kdf_derive_from_key(SYMMETRIC_KEY_BYTES, STREAM_KEY_ID, KDF_CONTEXT, root)),
      keyCheck: bytes(sodium.crypto_kdf_derive_from_key(KEY_CHECK_BYTES, KEY_CHECK_ID, KDF_CONTEXT, root)),
    };
  } catch (error) {
    throw sodiumFailure('crypto_kdf_derive_from_key', error);
  } finally {
    sodium.memzero(root);
  }
}

/**
 * A key for new backups: a fresh random salt and Argon2id with `options.kdf`.
 * One key may seal any number of backups (each gets a fresh random stream header).
 * Throws BAD_PASSPHRASE for an empty passphrase, INVALID_ENCODING for parameters out of bounds.
 */
export async function createBackupKey(
  passphrase: string | Uint8Array,
  options: BackupKeyOptions = {},
): Promise<BackupKey> {
  const kdf = options.kdf ?? ARGON2ID_MODERATE;
  // Checked up front with the reader's bounds, so we never write a file we would refuse to read.
  assertArgon2idParams(kdf, CryptoErrorCode.InvalidEncoding);
  const sodium = await loadSodium();
  const salt = bytes(sodium.randombytes_buf(ARGON2ID_SALT_BYTES));
  const root = await argon2id(passphrase, salt, kdf, CryptoErrorCode.InvalidEncoding);
  return { kdf: { opsLimit: kdf.opsLimit, memLimit: kdf.memLimit }, salt, ...subkeys(sodium, root) };
}

/**
 * The key for an existing backup, from its header (see readBackupHeader).
 * Does not check the passphrase: decryptBackupWithKey does, against the header's key check.
 */
export async function deriveBackupKey(
  passphrase: string | Uint8Array,
  header: Pick<BackupHeader, 'kdf' | 'salt'>,
): Promise<BackupKey> {
  const root = await argon2id(passphrase, header.salt, header.kdf, CryptoErrorCode.UnsupportedBackup);
  const sodium = await loadSodium();
  return {
    kdf: { opsLimit: header.kdf.opsLimit, memLimit: header.kdf.memLimit },
    salt: bytes(header.salt.slice()),
    ...subkeys(sodium, root),
  };
}

/**
 * The key for a backup from an Argon2id output computed elsewhere (e.g. in a
 * worker thread, so the WASM heap's peak stays out of the caller's process):
 * `root` must be Argon2id v1.3(passphrase, salt, kdf) with 32 bytes of output,
 * exactly as createBackupKey / deriveBackupKey compute it. `root` is wiped.
 */
export async function backupKeyFromArgon2id(
  root: Uint8Array,
  params: { readonly kdf: Argon2idParams; readonly salt: Uint8Array },
): Promise<BackupKey> {
  if (!(root instanceof Uint8Array) || root.byteLength !== SYMMETRIC_KEY_BYTES) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'an Argon2id output must be 32 bytes');
  }
  assertArgon2idParams(params.kdf, CryptoErrorCode.InvalidEncoding);
  const sodium = await loadSodium();
  return {
    kdf: { opsLimit: params.kdf.opsLimit, memLimit: params.kdf.memLimit },
    salt: bytes(params.salt.slice()),
    ...subkeys(sodium, root),
  };
}

/** Throws INVALID_ENCODING unless `key` has the shape of a BackupKey (a caller bug otherwise). */
export function assertBackupKey(key: BackupKey): void {
  const ok =
    key !== null &&
    typeof key === 'object' &&
    key.streamKey instanceof Uint8Array &&
    key.streamKey.byteLength === SYMMETRIC_KEY_BYTES &&
    key.keyCheck instanceof Uint8Array &&
    key.keyCheck.byteLength === KEY_CHECK_BYTES &&
    key.salt instanceof Uint8Array &&
    key.salt.byteLength === ARGON2ID_SALT_BYTES &&
    typeof key.kdf === 'object' &&
    key.kdf !== null;
  if (!ok) throw invalidInput(CryptoErrorCode.InvalidEncoding, 'not a backup key');
  assertArgon2idParams(key.kdf, CryptoErrorCode.InvalidEncoding);
}
