/**
 * Reading the backup container (docs/protocol.md §Backup container).
 *
 * READ THIS BEFORE USING: decrypted chunks are yielded as soon as each one
 * authenticates, so memory stays flat, but the backup as a whole is only
 * proven complete and untampered when iteration ENDS WITHOUT AN ERROR. A
 * truncated, reordered or extended file is detected only at the point where
 * it goes wrong, after earlier chunks were already yielded. Callers must
 * import all-or-nothing: stage what they receive (a temporary database or
 * file, a transaction) and commit only after the loop completes; on any error
 * discard everything.
 */
import type { StateAddress } from 'libsodium-wrappers-sumo';
import { loadSodium, type Sodium, sodiumFailure } from '../at-rest/sodium.js';
import { type Bytes, bytes, equalBytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput, type ParleyCryptoError } from '../errors.js';
import { assertBackupKey, type BackupKey, deriveBackupKey } from './backup-key.js';
import { ByteReader, type ByteSource } from './byte-reader.js';
import { FRAME_LENGTH_BYTES } from './encrypt.js';
import { BACKUP_HEADER_BYTES, type BackupHeader, parseBackupHeader } from './header.js';

function corrupt(message: string, detail?: unknown): ParleyCryptoError<'CORRUPT_BACKUP'> {
  return invalidInput(CryptoErrorCode.CorruptBackup, message, detail);
}

async function readHeader(sodium: Sodium, reader: ByteReader): Promise<BackupHeader> {
  return parseBackupHeader(sodium, await reader.read(BACKUP_HEADER_BYTES));
}

/**
 * BAD_PASSPHRASE unless the key matches the header's key check. Because the
 * header checksum already passed, a mismatch means a wrong passphrase (or a
 * key derived for another backup), not damage.
 */
function checkKeyMatches(header: BackupHeader, key: BackupKey): void {
  if (!equalBytes(header.keyCheck, key.keyCheck)) {
    throw invalidInput(CryptoErrorCode.BadPassphrase, 'wrong passphrase (the key does not match this backup)');
  }
}

/** Frames after the header: authenticated plaintext chunks, ending exactly at TAG_FINAL. */
async function* openChunks(
  sodium: Sodium,
  reader: ByteReader,
  header: BackupHeader,
  streamKey: Uint8Array,
): AsyncGenerator<Bytes, void, undefined> {
  const ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES;
  const TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
  const TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  const maxFrameLength = header.chunkSize + ABYTES;
  let state: StateAddress;
  try {
    state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(header.streamHeader, streamKey);
  } catch (error) {
    throw sodiumFailure('secretstream init_pull', error);
  }

  for (let index = 0; ; index++) {
    const lengthField = await reader.read(FRAME_LENGTH_BYTES);
    if (lengthField.byteLength === 0) throw corrupt('backup ends before its final chunk (truncated)', { index });
    if (lengthField.byteLength < FRAME_LENGTH_BYTES)
      throw corrupt('backup is truncated inside a chunk length', { index });
    const frameLength = new DataView(lengthField.buffer, lengthField.byteOffset, FRAME_LENGTH_BYTES).getUint32(0);
    // Checked before reading, so a damaged length cannot make us allocate more than one chunk.
    if (frameLength < ABYTES || frameLength > maxFrameLength) {
      throw corrupt('chunk has an impossible length', { index, frameLength });
    }
    const frame = await reader.read(frameLength);
    if (frame.byteLength < frameLength) throw corrupt('backup is truncated inside a chunk', { index });

    let opened: { message: Uint8Array; tag: number } | false;
    try {
      opened = sodium.crypto_secretstream_xchacha20poly1305_pull(state, frame, index === 0 ? header.encoded : null);
    } catch (error) {
      throw sodiumFailure('secretstream pull', error);
    }
    if (opened === false) {
      throw corrupt('chunk failed to authenticate (damaged, reordered, dropped or from another backup)', { index });
    }
    const plaintext = bytes(opened.message);
    if (opened.tag === TAG_FINAL) {
      // Only the very first chunk may be empty (an empty backup).
      if (plaintext.byteLength === 0 && index > 0) throw corrupt('empty final chunk after other chunks', { index });
      if (!(await reader.atEnd())) throw corrupt('data follows the final chunk', { index });
      if (plaintext.byteLength > 0) yield plaintext;
      return;
    }
    if (opened.tag !== TAG_MESSAGE || plaintext.byteLength !== header.chunkSize) {
      throw corrupt('chunk has an unexpected tag or size', { index, tag: opened.tag, length: plaintext.byteLength });
    }
    yield plaintext;
  }
}

/** Header, then the key for it (derived or given), then the chunks. */
async function* openBackup(
  source: ByteSource,
  keyFor: (header: BackupHeader) => Promise<BackupKey>,
): AsyncGenerator<Bytes, void, undefined> {
  const reader = new ByteReader(source);
  try {
    const sodium = await loadSodium();
    const header = await readHeader(sodium, reader);
    const key = await keyFor(header);
    checkKeyMatches(header, key);
    yield* openChunks(sodium, reader, header, key.streamKey);
  } finally {
    await reader.close();
  }
}

/**
 * Decrypts a backup with an already derived key (see deriveBackupKey), e.g.
 * one derived once in a worker. Yields plaintext chunks; see the warning at
 * the top of this module. Errors: UNSUPPORTED_BACKUP (not a Parley backup, a
 * newer version, parameters out of bounds), BAD_PASSPHRASE (key does not
 * match), CORRUPT_BACKUP (truncated, damaged, reordered, dropped or extended).
 * Errors thrown by `source` itself propagate unchanged.
 */
export async function* decryptBackupWithKey(
  source: ByteSource,
  key: BackupKey,
): AsyncGenerator<Bytes, void, undefined> {
  assertBackupKey(key);
  yield* openBackup(source, async () => key);
}

/**
 * Decrypts a backup protected by `passphrase`: reads the header, derives the
 * key with the header's Argon2id parameters (refused before any work when out
 * of bounds), then streams as decryptBackupWithKey. Yields plaintext chunks;
 * the result is trustworthy only once iteration ends without an error.
 */
export async function* decryptBackup(
  source: ByteSource,
  passphrase: string | Uint8Array,
): AsyncGenerator<Bytes, void, undefined> {
  yield* openBackup(source, (header) => deriveBackupKey(passphrase, header));
}

/** The result of a complete, successful verification. */
export interface BackupVerification {
  readonly header: BackupHeader;
  readonly plaintextBytes: number;
}

/**
 * Decrypts the whole backup and discards the plaintext: resolves only when
 * the file is complete and authentic under `passphrase` (for `verify`).
 */
export async function verifyBackup(source: ByteSource, passphrase: string | Uint8Array): Promise<BackupVerification> {
  let seenHeader: BackupHeader | undefined;
  let plaintextBytes = 0;
  const chunks = openBackup(source, (header) => {
    seenHeader = header;
    return deriveBackupKey(passphrase, header);
  });
  for await (const chunk of chunks) plaintextBytes += chunk.byteLength;
  if (seenHeader === undefined) throw invalidInput(CryptoErrorCode.Internal, 'no header was read');
  return { header: seenHeader, plaintextBytes };
}
