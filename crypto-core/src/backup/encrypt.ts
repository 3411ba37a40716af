/**
 * Writing the backup container: header, then crypto_secretstream_xchacha20poly1305
 * messages over fixed-size plaintext chunks, each framed by a 4-byte length
 * (docs/protocol.md §Backup container). Streams: memory stays at about two
 * chunks whatever the size of the input.
 */
import type { StateAddress } from 'libsodium-wrappers-sumo';
import { loadSodium, sodiumFailure } from '../at-rest/sodium.js';
import type { Bytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';
import { assertBackupKey, type BackupKey, type BackupKeyOptions, createBackupKey } from './backup-key.js';
import { assertByteSource, type ByteSource, sourceSlices } from './byte-reader.js';
import { chunkSizeProblem, DEFAULT_BACKUP_CHUNK_SIZE, encodeBackupHeader } from './header.js';

export const FRAME_LENGTH_BYTES = 4;

export interface BackupWriteOptions {
  /** Plaintext bytes per chunk; default 64 KiB. Within BACKUP_CHUNK_SIZE_BOUNDS. */
  readonly chunkSize?: number | undefined;
}

export type EncryptBackupOptions = BackupKeyOptions & BackupWriteOptions;

/** The chunk size to write with; INVALID_ENCODING for a bad one or a source that is not iterable. */
function checkedChunkSize(source: unknown, options: BackupWriteOptions): number {
  assertByteSource(source);
  const chunkSize = options.chunkSize ?? DEFAULT_BACKUP_CHUNK_SIZE;
  const problem = chunkSizeProblem(chunkSize);
  if (problem !== undefined) throw invalidInput(CryptoErrorCode.InvalidEncoding, problem, { chunkSize });
  return chunkSize;
}

/**
 * Encrypts `source` under an already derived key. Yields the header, then one
 * frame per chunk. The plaintext is cut into chunks of exactly `chunkSize`
 * bytes except the last, which holds 1..chunkSize bytes (0 only when the
 * whole input is empty) and carries TAG_FINAL; so a full last chunk is held
 * back until the input is known to end.
 */
export async function* encryptBackupWithKey(
  source: ByteSource,
  key: BackupKey,
  options: BackupWriteOptions = {},
): AsyncGenerator<Bytes, void, undefined> {
  assertBackupKey(key);
  const chunkSize = checkedChunkSize(source, options);

  const sodium = await loadSodium();
  const TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
  const TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  let stream: { state: StateAddress; header: Uint8Array };
  try {
    stream = sodium.crypto_secretstream_xchacha20poly1305_init_push(key.streamKey);
  } catch (error) {
    throw sodiumFailure('secretstream init_push', error);
  }
  const header = encodeBackupHeader(sodium, {
    kdf: key.kdf,
    salt: key.salt,
    chunkSize,
    streamHeader: stream.header,
    keyCheck: key.keyCheck,
  });
  yield header;

  let isFirstChunk = true;
  const seal = (plaintext: Uint8Array, tag: number): Bytes => {
    let ciphertext: Uint8Array;
    try {
      // The header is the first chunk's additional data; secretstream chains
      // every later chunk to this one, so it authenticates the whole file.
      ciphertext = sodium.crypto_secretstream_xchacha20poly1305_push(
        stream.state,
        plaintext,
        isFirstChunk ? header : null,
        tag,
      );
    } catch (error) {
      throw sodiumFailure('secretstream push', error);
    }
    isFirstChunk = false;
    const frame = new Uint8Array(FRAME_LENGTH_BYTES + ciphertext.byteLength);
    new DataView(frame.buffer).setUint32(0, ciphertext.byteLength);
    frame.set(ciphertext, FRAME_LENGTH_BYTES);
    return frame;
  };

  const pending = new Uint8Array(chunkSize);
  let filled = 0;
  for await (const slice of sourceSlices(source)) {
    let offset = 0;
    while (offset < slice.byteLength) {
      if (filled === chunkSize) {
        // More input follows, so the held-back full chunk is not the last one.
        yield seal(pending, TAG_MESSAGE);
        filled = 0;
      }
      if (filled === 0 && slice.byteLength - offset > chunkSize) {
        // A whole chunk with more input after it in this slice: seal it in place, no copy.
        yield seal(slice.subarray(offset, offset + chunkSize), TAG_MESSAGE);
        offset += chunkSize;
        continue;
      }
      const take = Math.min(chunkSize - filled, slice.byteLength - offset);
      pending.set(slice.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
    }
  }
  yield seal(pending.subarray(0, filled), TAG_FINAL);
}

/**
 * Encrypts `source` into a backup protected by `passphrase`: derives a key
 * with Argon2id (default MODERATE: ~1.2 s and a WASM heap that stays at its
 * ~256 MiB+ peak, see TOOLCHAIN.md) and a fresh salt, then streams as
 * encryptBackupWithKey. The derivation runs when iteration starts.
 */
export async function* encryptBackup(
  source: ByteSource,
  passphrase: string | Uint8Array,
  options: EncryptBackupOptions = {},
): AsyncGenerator<Bytes, void, undefined> {
  // Caller errors first, so they are not reported only after seconds of Argon2id.
  checkedChunkSize(source, options);
  const key = await createBackupKey(passphrase, options);
  yield* encryptBackupWithKey(source, key, options);
}
