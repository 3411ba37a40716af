/**
 * The fixed-layout backup file header (docs/protocol.md §Backup container).
 * All integers are unsigned big-endian.
 *
 *   offset size field
 *        0    8 magic "PARLEYBK" (ASCII)
 *        8    1 format version, 0x01
 *        9    1 KDF algorithm, 0x02 = Argon2id v1.3 (libsodium crypto_pwhash_ALG_ARGON2ID13)
 *       10    4 Argon2id opsLimit (passes)
 *       14    4 Argon2id memLimit (bytes)
 *       18    4 chunk size: plaintext bytes per chunk
 *       22   16 Argon2id salt
 *       38   24 crypto_secretstream_xchacha20poly1305 header
 *       62   32 key check (see backup-key.ts)
 *       94   32 header checksum: BLAKE2b-256 (unkeyed crypto_generichash) of bytes 0..93
 *   total 126
 *
 * The checksum catches accidental damage to the header without the
 * passphrase (so a flipped bit is reported as CORRUPT_BACKUP, not as a wrong
 * passphrase); the whole header, checksum included, is also the additional
 * data of the first secretstream message, which authenticates it under the key.
 */
import { type Argon2idParams, argon2idParamsProblem } from '../at-rest/passphrase-key.js';
import { loadSodium, type Sodium } from '../at-rest/sodium.js';
import { type Bytes, bytes, concatBytes, equalBytes, utf8 } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';

/** The first eight bytes of every backup file, as ASCII text. */
export const BACKUP_MAGIC_TEXT = 'PARLEYBK';
const BACKUP_MAGIC: Bytes = utf8(BACKUP_MAGIC_TEXT);
export const BACKUP_FORMAT_VERSION = 1;
/** The KDF algorithm byte: libsodium's value for Argon2id v1.3. */
export const BACKUP_KDF_ARGON2ID13 = 2;
export const BACKUP_HEADER_BYTES = 126;
/** Plaintext bytes per chunk written by default. */
export const DEFAULT_BACKUP_CHUNK_SIZE = 64 * 1024;
/** Chunk sizes a reader accepts (and a writer may choose): bounds the memory one frame can claim. */
export const BACKUP_CHUNK_SIZE_BOUNDS = Object.freeze({ min: 256, max: 4 * 1024 * 1024 });

const SALT_BYTES = 16;
const STREAM_HEADER_BYTES = 24;
export const KEY_CHECK_BYTES = 32;
const CHECKSUM_BYTES = 32;

const OFFSET = {
  version: 8,
  kdfAlgorithm: 9,
  opsLimit: 10,
  memLimit: 14,
  chunkSize: 18,
  salt: 22,
  streamHeader: 38,
  keyCheck: 62,
  checksum: 94,
} as const;

/** A parsed, checksum-verified header. */
export interface BackupHeader {
  readonly formatVersion: number;
  readonly kdfAlgorithm: 'argon2id13';
  readonly kdf: Argon2idParams;
  readonly salt: Bytes;
  readonly chunkSize: number;
  /** The crypto_secretstream_xchacha20poly1305 header (24 bytes). */
  readonly streamHeader: Bytes;
  /** Derived from the key; compared to tell a wrong passphrase from damage. */
  readonly keyCheck: Bytes;
  /** The exact 126 header bytes: the additional data of the first chunk. */
  readonly encoded: Bytes;
}

export interface BackupHeaderFields {
  readonly kdf: Argon2idParams;
  readonly salt: Uint8Array;
  readonly chunkSize: number;
  readonly streamHeader: Uint8Array;
  readonly keyCheck: Uint8Array;
}

export function chunkSizeProblem(chunkSize: number): string | undefined {
  const { min, max } = BACKUP_CHUNK_SIZE_BOUNDS;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < min || chunkSize > max) {
    return `chunk size must be an integer in [${min}, ${max}]`;
  }
  return undefined;
}

function checksum(sodium: Sodium, body: Uint8Array): Uint8Array {
  return sodium.crypto_generichash(CHECKSUM_BYTES, body, null);
}

/** The 126 header bytes for `fields` (fields are trusted: the writer built them). */
export function encodeBackupHeader(sodium: Sodium, fields: BackupHeaderFields): Bytes {
  const body = new Uint8Array(OFFSET.checksum);
  const view = new DataView(body.buffer);
  body.set(BACKUP_MAGIC, 0);
  body[OFFSET.version] = BACKUP_FORMAT_VERSION;
  body[OFFSET.kdfAlgorithm] = BACKUP_KDF_ARGON2ID13;
  view.setUint32(OFFSET.opsLimit, fields.kdf.opsLimit);
  view.setUint32(OFFSET.memLimit, fields.kdf.memLimit);
  view.setUint32(OFFSET.chunkSize, fields.chunkSize);
  body.set(fields.salt, OFFSET.salt);
  body.set(fields.streamHeader, OFFSET.streamHeader);
  body.set(fields.keyCheck, OFFSET.keyCheck);
  return concatBytes(body, checksum(sodium, body));
}

/**
 * Parses the header at the start of `data` (bytes after it are ignored).
 * Checks, in this order, so each failure has one meaning:
 *   1. magic: bytes that are not a prefix of it -> UNSUPPORTED_BACKUP (not a Parley backup)
 *   2. version byte other than 1 -> UNSUPPORTED_BACKUP (a newer format)
 *   3. fewer than 126 bytes -> CORRUPT_BACKUP (truncated inside the header)
 *   4. checksum mismatch -> CORRUPT_BACKUP (damaged header)
 *   5. KDF algorithm, Argon2id parameters or chunk size out of bounds -> UNSUPPORTED_BACKUP
 */
export function parseBackupHeader(sodium: Sodium, data: Uint8Array): BackupHeader {
  const magicSeen = Math.min(data.byteLength, BACKUP_MAGIC.byteLength);
  if (!equalBytes(data.subarray(0, magicSeen), BACKUP_MAGIC.subarray(0, magicSeen))) {
    throw invalidInput(CryptoErrorCode.UnsupportedBackup, 'not a Parley backup (unknown magic)');
  }
  if (data.byteLength > OFFSET.version && data[OFFSET.version] !== BACKUP_FORMAT_VERSION) {
    throw invalidInput(CryptoErrorCode.UnsupportedBackup, 'backup format version is not supported', {
      version: data[OFFSET.version],
    });
  }
  if (data.byteLength < BACKUP_HEADER_BYTES) {
    throw invalidInput(CryptoErrorCode.CorruptBackup, 'backup is truncated inside its header', {
      length: data.byteLength,
    });
  }
  // Copy, so the header outlives the caller's buffer (it is used as AD later).
  const encoded = bytes(data.slice(0, BACKUP_HEADER_BYTES));
  const body = encoded.subarray(0, OFFSET.checksum);
  if (!equalBytes(checksum(sodium, body), encoded.subarray(OFFSET.checksum))) {
    throw invalidInput(CryptoErrorCode.CorruptBackup, 'backup header is damaged (checksum mismatch)');
  }
  if (encoded[OFFSET.kdfAlgorithm] !== BACKUP_KDF_ARGON2ID13) {
    throw invalidInput(CryptoErrorCode.UnsupportedBackup, 'backup uses an unknown key derivation algorithm', {
      algorithm: encoded[OFFSET.kdfAlgorithm],
    });
  }
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const kdf: Argon2idParams = { opsLimit: view.getUint32(OFFSET.opsLimit), memLimit: view.getUint32(OFFSET.memLimit) };
  const kdfProblem = argon2idParamsProblem(kdf);
  if (kdfProblem !== undefined) {
    // Refused before any derivation: a hostile file must not make us allocate or spin.
    throw invalidInput(CryptoErrorCode.UnsupportedBackup, `backup Argon2id parameters refused: ${kdfProblem}`, { kdf });
  }
  const chunkSize = view.getUint32(OFFSET.chunkSize);
  const chunkProblem = chunkSizeProblem(chunkSize);
  if (chunkProblem !== undefined) {
    throw invalidInput(CryptoErrorCode.UnsupportedBackup, `backup ${chunkProblem}`, { chunkSize });
  }
  return {
    formatVersion: BACKUP_FORMAT_VERSION,
    kdfAlgorithm: 'argon2id13',
    kdf,
    salt: encoded.slice(OFFSET.salt, OFFSET.salt + SALT_BYTES),
    chunkSize,
    streamHeader: encoded.slice(OFFSET.streamHeader, OFFSET.streamHeader + STREAM_HEADER_BYTES),
    keyCheck: encoded.slice(OFFSET.keyCheck, OFFSET.keyCheck + KEY_CHECK_BYTES),
    encoded,
  };
}

/**
 * Parses and checks a backup header without the passphrase (for `inspect`):
 * pass at least the first BACKUP_HEADER_BYTES of the file. Errors as for
 * parseBackupHeader; a non-bytes argument is UNSUPPORTED_BACKUP.
 */
export async function readBackupHeader(data: Uint8Array): Promise<BackupHeader> {
  if (!(data instanceof Uint8Array)) throw invalidInput(CryptoErrorCode.UnsupportedBackup, 'backup must be bytes');
  return parseBackupHeader(await loadSodium(), data);
}
