/**
 * Backup container throughput beside raw crypto_secretstream_xchacha20poly1305
 * push/pull over the same 64 KiB chunks, in the same run, interleaved so
 * neither side gets the warmer JIT or the quieter moment. The one-off
 * Argon2id MODERATE derivation is timed separately and excluded.
 *
 * The container side is what a real export/restore does: the input arrives
 * in 64 KiB slices (like a file stream), the output is framed, and decryption
 * reads the concatenated file in 64 KiB slices that straddle frames.
 * MB = 10^6 bytes.
 */
import { ARGON2ID_MODERATE } from '../src/at-rest/passphrase-key.js';
import { loadSodium } from '../src/at-rest/sodium.js';
import { createBackupKey } from '../src/backup/backup-key.js';
import { decryptBackupWithKey } from '../src/backup/decrypt.js';
import { encryptBackupWithKey } from '../src/backup/encrypt.js';
import { DEFAULT_BACKUP_CHUNK_SIZE } from '../src/backup/header.js';
import { concatBytes } from '../src/encoding.js';

const CHUNK = DEFAULT_BACKUP_CHUNK_SIZE;
const CHUNKS_PER_FIGURE = 1024; // 64 MiB per measurement
const BYTES_PER_FIGURE = CHUNK * CHUNKS_PER_FIGURE;
const ROUNDS = 5;

function* repeat(slice: Uint8Array, times: number): Generator<Uint8Array> {
  for (let i = 0; i < times; i++) yield slice;
}

function* slicesOf(file: Uint8Array, size: number): Generator<Uint8Array> {
  for (let offset = 0; offset < file.byteLength; offset += size) yield file.subarray(offset, offset + size);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const mbPerSecond = (milliseconds: number): number => BYTES_PER_FIGURE / 1e6 / (milliseconds / 1000);
const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

export async function benchBackup(): Promise<Record<string, number>> {
  const sodium = await loadSodium();
  const TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
  const TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  const plaintext = sodium.randombytes_buf(CHUNK);

  const argonStarted = performance.now();
  const key = await createBackupKey('benchmark passphrase', { kdf: ARGON2ID_MODERATE });
  const argon2idModerateMs = performance.now() - argonStarted;
  console.log(`backup: Argon2id MODERATE key derivation ${argon2idModerateMs.toFixed(0)} ms (one-off, excluded below)`);

  // Ciphertexts to decrypt, made once outside the timed loops.
  const rawKey = sodium.crypto_secretstream_xchacha20poly1305_keygen();
  const rawPush = sodium.crypto_secretstream_xchacha20poly1305_init_push(rawKey);
  const rawCiphertexts = Array.from({ length: CHUNKS_PER_FIGURE }, (_, i) =>
    sodium.crypto_secretstream_xchacha20poly1305_push(
      rawPush.state,
      plaintext,
      null,
      i === CHUNKS_PER_FIGURE - 1 ? TAG_FINAL : TAG_MESSAGE,
    ),
  );
  const frames: Uint8Array[] = [];
  for await (const frame of encryptBackupWithKey(repeat(plaintext, CHUNKS_PER_FIGURE), key)) frames.push(frame);
  const backupFile = concatBytes(...frames);
  frames.length = 0;

  const rawEncrypt = (): number => {
    const started = performance.now();
    const { state } = sodium.crypto_secretstream_xchacha20poly1305_init_push(rawKey);
    let written = 0;
    for (let i = 0; i < CHUNKS_PER_FIGURE; i++) {
      const tag = i === CHUNKS_PER_FIGURE - 1 ? TAG_FINAL : TAG_MESSAGE;
      written += sodium.crypto_secretstream_xchacha20poly1305_push(state, plaintext, null, tag).byteLength;
    }
    if (written < BYTES_PER_FIGURE) throw new Error('raw push wrote too little');
    return performance.now() - started;
  };
  const rawDecrypt = (): number => {
    const started = performance.now();
    const state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(rawPush.header, rawKey);
    let read = 0;
    for (const ciphertext of rawCiphertexts) {
      const opened = sodium.crypto_secretstream_xchacha20poly1305_pull(state, ciphertext, null);
      if (opened === false) throw new Error('raw pull failed');
      read += opened.message.byteLength;
    }
    if (read !== BYTES_PER_FIGURE) throw new Error('raw pull read too little');
    return performance.now() - started;
  };
  const containerEncrypt = async (): Promise<number> => {
    const started = performance.now();
    let written = 0;
    for await (const frame of encryptBackupWithKey(repeat(plaintext, CHUNKS_PER_FIGURE), key)) {
      written += frame.byteLength;
    }
    if (written !== backupFile.byteLength) throw new Error('container wrote an unexpected size');
    return performance.now() - started;
  };
  const containerDecrypt = async (): Promise<number> => {
    const started = performance.now();
    let read = 0;
    for await (const chunk of decryptBackupWithKey(slicesOf(backupFile, CHUNK), key)) read += chunk.byteLength;
    if (read !== BYTES_PER_FIGURE) throw new Error('container read too little');
    return performance.now() - started;
  };

  // Warm-up, not counted.
  rawEncrypt();
  await containerEncrypt();
  rawDecrypt();
  await containerDecrypt();

  const times: Record<'rawEncrypt' | 'containerEncrypt' | 'rawDecrypt' | 'containerDecrypt', number[]> = {
    rawEncrypt: [],
    containerEncrypt: [],
    rawDecrypt: [],
    containerDecrypt: [],
  };
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which side goes first in each pair.
    if (r % 2 === 0) {
      times.rawEncrypt.push(rawEncrypt());
      times.containerEncrypt.push(await containerEncrypt());
      times.containerDecrypt.push(await containerDecrypt());
      times.rawDecrypt.push(rawDecrypt());
    } else {
      times.containerEncrypt.push(await containerEncrypt());
      times.rawEncrypt.push(rawEncrypt());
      times.rawDecrypt.push(rawDecrypt());
      times.containerDecrypt.push(await containerDecrypt());
    }
  }

  const encrypt = mbPerSecond(median(times.containerEncrypt));
  const encryptRaw = mbPerSecond(median(times.rawEncrypt));
  const decrypt = mbPerSecond(median(times.containerDecrypt));
  const decryptRaw = mbPerSecond(median(times.rawDecrypt));
  console.log(
    `backup: encrypt ${encrypt.toFixed(1)} MB/s vs raw secretstream ${encryptRaw.toFixed(1)} MB/s (${(encrypt / encryptRaw).toFixed(3)})`,
  );
  console.log(
    `backup: decrypt ${decrypt.toFixed(1)} MB/s vs raw secretstream ${decryptRaw.toFixed(1)} MB/s (${(decrypt / decryptRaw).toFixed(3)})`,
  );
  return {
    backup_encrypt_mb_s: round(encrypt, 1),
    backup_encrypt_mb_s_raw: round(encryptRaw, 1),
    backup_encrypt_ratio: round(encrypt / encryptRaw, 3),
    backup_decrypt_mb_s: round(decrypt, 1),
    backup_decrypt_mb_s_raw: round(decryptRaw, 1),
    backup_decrypt_ratio: round(decrypt / decryptRaw, 3),
    argon2id_moderate_ms: Math.round(argon2idModerateMs),
  };
}
