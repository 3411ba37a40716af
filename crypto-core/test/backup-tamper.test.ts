/**
 * Every way a backup file can be damaged or manipulated ends in the right
 * typed error: CORRUPT_BACKUP for damage, UNSUPPORTED_BACKUP for what is not
 * (or not yet) ours, BAD_PASSPHRASE for a wrong passphrase.
 */
import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import { ARGON2ID_INTERACTIVE } from '../src/at-rest/index.js';
import {
  BACKUP_HEADER_BYTES,
  type BackupKey,
  createBackupKey,
  decryptBackup,
  decryptBackupWithKey,
  encryptBackupWithKey,
  readBackupHeader,
} from '../src/backup/portable.js';
import { concatBytes, equalBytes } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';

const PASSPHRASE = 'tamper-test passphrase';
const CHUNK = 256;
const FRAME = 4 + 17 + CHUNK;
const PLAINTEXT = Uint8Array.from({ length: 5 * CHUNK - 40 }, (_, i) => (i * 7) & 0xff); // 5 chunks, short last

async function* sliced(data: Uint8Array, size = 100): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.byteLength; offset += size) yield data.subarray(offset, offset + size);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const piece of source) pieces.push(piece);
  return concatBytes(...pieces);
}

/** The error code decrypting `file` ends with, or 'ok' when it decrypts to the original plaintext. */
async function outcome(
  file: Uint8Array,
  run = (source: AsyncIterable<Uint8Array>) => decryptBackupWithKey(source, key),
) {
  try {
    const plaintext = await collect(run(sliced(file)));
    return equalBytes(plaintext, PLAINTEXT) ? 'ok' : 'WRONG PLAINTEXT';
  } catch (error) {
    return ParleyCryptoError.is(error) ? error.code : `not typed: ${String(error)}`;
  }
}

let key: BackupKey;
let file: Uint8Array;
/** Byte ranges [start, end) of each frame. */
let frames: Array<readonly [number, number]>;

function frame(index: number): Uint8Array {
  const [start, end] = frames[index] ?? [0, 0];
  return file.subarray(start, end);
}

function flipBit(data: Uint8Array, at: number, bit = 0): Uint8Array {
  const copy = data.slice();
  copy[at] = (copy[at] ?? 0) ^ (1 << bit);
  return copy;
}

/** Header with `edit` applied and the checksum recomputed, as a deliberate forger would. */
function forgedHeader(edit: (header: Uint8Array, view: DataView) => void): Uint8Array {
  const header = file.slice(0, BACKUP_HEADER_BYTES);
  edit(header, new DataView(header.buffer));
  header.set(sodium.crypto_generichash(32, header.subarray(0, 94), null), 94);
  return concatBytes(header, file.subarray(BACKUP_HEADER_BYTES));
}

beforeAll(async () => {
  await sodium.ready;
  key = await createBackupKey(PASSPHRASE, { kdf: ARGON2ID_INTERACTIVE });
  file = await collect(encryptBackupWithKey(sliced(PLAINTEXT), key, { chunkSize: CHUNK }));
  frames = [0, 1, 2, 3, 4].map((i) => {
    const start = BACKUP_HEADER_BYTES + i * FRAME;
    return [start, Math.min(start + FRAME, file.byteLength)] as const;
  });
  expect(file.byteLength).toBe(BACKUP_HEADER_BYTES + 4 * FRAME + (4 + 17 + CHUNK - 40));
  expect(await outcome(file)).toBe('ok');
});

describe('truncation', () => {
  it('a file cut by one byte', async () => {
    expect(await outcome(file.subarray(0, file.byteLength - 1))).toBe(CryptoErrorCode.CorruptBackup);
  });

  it('cut inside the header, right after it, at a chunk boundary, inside a length field and inside a chunk', async () => {
    const [secondStart] = frames[1] ?? [0];
    for (const cut of [
      0,
      3,
      8,
      9,
      50,
      125,
      BACKUP_HEADER_BYTES,
      BACKUP_HEADER_BYTES + 2,
      secondStart,
      secondStart + 100,
    ]) {
      expect(await outcome(file.subarray(0, cut)), `cut at ${cut}`).toBe(CryptoErrorCode.CorruptBackup);
    }
  });

  it('cut at every single position', async () => {
    for (let cut = 0; cut < file.byteLength; cut++) {
      expect(await outcome(file.subarray(0, cut)), `cut at ${cut}`).toBe(CryptoErrorCode.CorruptBackup);
    }
  });

  it('the final chunk dropped (file ends exactly after a full chunk)', async () => {
    const [lastStart] = frames[4] ?? [0];
    expect(await outcome(file.subarray(0, lastStart))).toBe(CryptoErrorCode.CorruptBackup);
  });
});

describe('reordering and splicing', () => {
  it('a dropped middle chunk', async () => {
    const dropped = concatBytes(file.subarray(0, frames[2]?.[0]), file.subarray(frames[3]?.[0]));
    expect(await outcome(dropped)).toBe(CryptoErrorCode.CorruptBackup);
  });

  it('the first chunk dropped', async () => {
    const dropped = concatBytes(file.subarray(0, BACKUP_HEADER_BYTES), file.subarray(frames[1]?.[0]));
    expect(await outcome(dropped)).toBe(CryptoErrorCode.CorruptBackup);
  });

  it('swapped chunks', async () => {
    const swapped = concatBytes(file.subarray(0, frames[1]?.[0]), frame(2), frame(1), file.subarray(frames[3]?.[0]));
    expect(swapped.byteLength).toBe(file.byteLength);
    expect(await outcome(swapped)).toBe(CryptoErrorCode.CorruptBackup);
  });

  it('a duplicated chunk', async () => {
    const duplicated = concatBytes(file.subarray(0, frames[2]?.[0]), frame(1), file.subarray(frames[2]?.[0]));
    expect(await outcome(duplicated)).toBe(CryptoErrorCode.CorruptBackup);
  });

  it('a chunk or the header taken from another backup under the same key', async () => {
    const other = await collect(encryptBackupWithKey(sliced(PLAINTEXT), key, { chunkSize: CHUNK }));
    const otherFrame = other.subarray(BACKUP_HEADER_BYTES + 2 * FRAME, BACKUP_HEADER_BYTES + 3 * FRAME);
    const spliced = concatBytes(file.subarray(0, frames[2]?.[0]), otherFrame, file.subarray(frames[3]?.[0]));
    expect(await outcome(spliced)).toBe(CryptoErrorCode.CorruptBackup);
    const otherHeader = concatBytes(other.subarray(0, BACKUP_HEADER_BYTES), file.subarray(BACKUP_HEADER_BYTES));
    expect(await outcome(otherHeader)).toBe(CryptoErrorCode.CorruptBackup);
  });
});

describe('flipped bits', () => {
  it('in the header: magic and version bytes -> UNSUPPORTED_BACKUP, every other byte -> CORRUPT_BACKUP', async () => {
    for (let at = 0; at < BACKUP_HEADER_BYTES; at++) {
      const expected = at <= 8 ? CryptoErrorCode.UnsupportedBackup : CryptoErrorCode.CorruptBackup;
      for (const bit of [0, 7]) {
        expect(await outcome(flipBit(file, at, bit)), `byte ${at} bit ${bit}`).toBe(expected);
        expect(
          await outcome(flipBit(file, at, bit), (source) => decryptBackup(source, PASSPHRASE)),
          `byte ${at} bit ${bit} (passphrase)`,
        ).toBe(expected);
      }
    }
  });

  it('in the first, a middle and the last chunk (length field and ciphertext)', async () => {
    for (const index of [0, 2, 4]) {
      const [start, end] = frames[index] ?? [0, 0];
      for (const at of [start, start + 3, start + 4, start + 20, end - 17, end - 1]) {
        expect(await outcome(flipBit(file, at)), `chunk ${index} byte ${at - start}`).toBe(
          CryptoErrorCode.CorruptBackup,
        );
      }
    }
  });

  it('in the first chunk, with the right passphrase, is damage, not a wrong passphrase', async () => {
    const [start] = frames[0] ?? [0];
    expect(await outcome(flipBit(file, start + 30), (source) => decryptBackup(source, PASSPHRASE))).toBe(
      CryptoErrorCode.CorruptBackup,
    );
  });
});

describe('data after the final chunk', () => {
  it('trailing garbage of any size', async () => {
    for (const extra of [Uint8Array.of(0), Uint8Array.of(0, 0, 0, 0), new Uint8Array(1000).fill(0x41)]) {
      expect(await outcome(concatBytes(file, extra))).toBe(CryptoErrorCode.CorruptBackup);
    }
  });

  it('a valid chunk appended again after the final one', async () => {
    expect(await outcome(concatBytes(file, frame(4)))).toBe(CryptoErrorCode.CorruptBackup);
  });
});

describe('headers that are not ours, or not safe to honour', () => {
  it('a wrong passphrase -> BAD_PASSPHRASE', async () => {
    expect(await outcome(file, (source) => decryptBackup(source, 'not the passphrase'))).toBe(
      CryptoErrorCode.BadPassphrase,
    );
  });

  it('another file type or a newer format version -> UNSUPPORTED_BACKUP', async () => {
    expect(await outcome(new TextEncoder().encode('%PDF-1.7 not a backup at all'))).toBe(
      CryptoErrorCode.UnsupportedBackup,
    );
    const newer = file.slice();
    newer[8] = 2;
    expect(await outcome(newer)).toBe(CryptoErrorCode.UnsupportedBackup);
    const newerShort = newer.subarray(0, 20);
    expect(await outcome(newerShort)).toBe(CryptoErrorCode.UnsupportedBackup);
    expect(await outcome(forgedHeader((header) => header.set([3], 9)))).toBe(CryptoErrorCode.UnsupportedBackup);
  });

  it('Argon2id parameters out of bounds are refused before any derivation', async () => {
    const hostile = [
      forgedHeader((_h, view) => view.setUint32(14, 0x7fff_fc00)), // ~2 GiB memory
      forgedHeader((_h, view) => view.setUint32(14, 2 * 1024 * 1024 * 1024 - 1024)),
      forgedHeader((_h, view) => view.setUint32(14, 1024 * 1024)), // below INTERACTIVE
      forgedHeader((_h, view) => view.setUint32(10, 1)), // one pass
      forgedHeader((_h, view) => view.setUint32(10, 0xffff_ffff)), // CPU exhaustion
    ];
    for (const candidate of hostile) {
      const started = performance.now();
      expect(await outcome(candidate, (source) => decryptBackup(source, PASSPHRASE))).toBe(
        CryptoErrorCode.UnsupportedBackup,
      );
      expect(performance.now() - started).toBeLessThan(150);
      await expect(readBackupHeader(candidate)).rejects.toMatchObject({ code: CryptoErrorCode.UnsupportedBackup });
    }
    expect(await outcome(forgedHeader((_h, view) => view.setUint32(18, 64 * 1024 * 1024)))).toBe(
      CryptoErrorCode.UnsupportedBackup,
    );
  });

  it('a forged header with a valid checksum but changed fields does not decrypt', async () => {
    // salt or parameters changed: the key check no longer matches -> reported as a wrong passphrase
    const newSalt = forgedHeader((header) => header.set(new Uint8Array(16), 22));
    expect(await outcome(newSalt, (source) => decryptBackup(source, PASSPHRASE))).toBe(CryptoErrorCode.BadPassphrase);
    // chunk size or stream header changed under the same key: the first chunk fails -> damage
    expect(await outcome(forgedHeader((_h, view) => view.setUint32(18, 512)))).toBe(CryptoErrorCode.CorruptBackup);
    expect(await outcome(forgedHeader((header) => header.set(new Uint8Array(24), 38)))).toBe(
      CryptoErrorCode.CorruptBackup,
    );
  });
});
