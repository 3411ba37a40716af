/**
 * Seeded fuzz of the backup reader: random and mutated files only ever end in
 * a ParleyCryptoError of a backup code, and any file that does decrypt yields
 * exactly the original plaintext. One key is derived once; the fuzz runs
 * through decryptBackupWithKey so Argon2id does not dominate.
 */

import { seededRandom } from '@parley/test-support/fuzz';
import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import { ARGON2ID_INTERACTIVE } from '../src/at-rest/index.js';
import {
  BACKUP_HEADER_BYTES,
  type BackupKey,
  createBackupKey,
  decryptBackupWithKey,
  encryptBackupWithKey,
  readBackupHeader,
} from '../src/backup/portable.js';
import { concatBytes, equalBytes } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';

const random = seededRandom(0xbac_0f22);
const int = (max: number): number => Math.floor(random() * max);
const randomBytes = (length: number): Uint8Array => Uint8Array.from({ length }, () => int(256));

const BACKUP_CODES: ReadonlySet<string> = new Set([
  CryptoErrorCode.CorruptBackup,
  CryptoErrorCode.UnsupportedBackup,
  CryptoErrorCode.BadPassphrase,
]);
const HEADER_CODES: ReadonlySet<string> = new Set([CryptoErrorCode.CorruptBackup, CryptoErrorCode.UnsupportedBackup]);

async function* randomlySliced(data: Uint8Array): AsyncGenerator<Uint8Array> {
  let offset = 0;
  while (offset < data.byteLength) {
    const size = random() < 0.5 ? data.byteLength : 1 + int(400);
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const piece of source) pieces.push(piece);
  return concatBytes(...pieces);
}

interface Sample {
  readonly plaintext: Uint8Array;
  readonly file: Uint8Array;
}

let key: BackupKey;
let samples: Sample[];

function recomputeChecksum(file: Uint8Array): void {
  if (file.byteLength >= BACKUP_HEADER_BYTES) file.set(sodium.crypto_generichash(32, file.subarray(0, 94), null), 94);
}

function mutate(file: Uint8Array): Uint8Array {
  switch (int(7)) {
    case 0: {
      const copy = file.slice();
      for (let edits = 1 + int(4); edits > 0; edits--) {
        const at = int(copy.byteLength);
        copy[at] = (copy[at] ?? 0) ^ (1 << int(8));
      }
      return copy;
    }
    case 1:
      return file.slice(0, int(file.byteLength + 1));
    case 2:
      return concatBytes(file, randomBytes(1 + int(300)));
    case 3: {
      // Remove or duplicate a range (dropped / repeated chunks, shifted framing).
      const start = int(file.byteLength);
      const end = start + int(file.byteLength - start + 1);
      return random() < 0.5
        ? concatBytes(file.subarray(0, start), file.subarray(end))
        : concatBytes(file.subarray(0, end), file.subarray(start, end), file.subarray(end));
    }
    case 4: {
      // Header fields rewritten with a valid checksum: reaches the bounds, key check and first-chunk paths.
      const copy = file.slice();
      const view = new DataView(copy.buffer);
      const field = int(5);
      if (field === 0) copy[9] = int(4);
      else if (field === 1) view.setUint32(10, int(12));
      else if (field === 2) view.setUint32(14, random() < 0.5 ? int(2 ** 32) : 64 * 1024 * 1024 + 1024 * int(4));
      else if (field === 3) view.setUint32(18, random() < 0.5 ? int(2 ** 32) : 256 + int(1024));
      else copy.set(randomBytes(8), 22 + int(80));
      recomputeChecksum(copy);
      return copy;
    }
    case 5: {
      // Frame length fields rewritten.
      const copy = file.slice();
      if (copy.byteLength > BACKUP_HEADER_BYTES + 4) {
        new DataView(copy.buffer).setUint32(BACKUP_HEADER_BYTES, pickLength());
      }
      return copy;
    }
    default:
      return file;
  }
}

function pickLength(): number {
  return [0, 1, 16, 17, 18, 273, 274, 0xffff_ffff, int(2 ** 32)][int(9)] ?? 0;
}

beforeAll(async () => {
  await sodium.ready;
  key = await createBackupKey('fuzz passphrase', { kdf: ARGON2ID_INTERACTIVE });
  samples = [];
  for (const [length, chunkSize] of [
    [0, 256],
    [1, 256],
    [256, 256],
    [700, 256],
    [3000, 1024],
    [70_000, 65_536],
  ] as const) {
    const plaintext = randomBytes(length);
    const file = await collect(encryptBackupWithKey([plaintext], key, { chunkSize }));
    samples.push({ plaintext, file });
  }
});

async function decryptOutcome(input: Uint8Array, expected: Uint8Array | undefined): Promise<'decrypted' | string> {
  try {
    const plaintext = await collect(decryptBackupWithKey(randomlySliced(input), key));
    if (expected === undefined || !equalBytes(plaintext, expected)) {
      throw new Error('a damaged file decrypted to something other than the original plaintext');
    }
    return 'decrypted';
  } catch (error) {
    if (ParleyCryptoError.is(error) && BACKUP_CODES.has(error.code)) return error.code;
    throw new Error('decryptBackupWithKey threw something other than a backup error', { cause: error });
  }
}

describe('backup fuzz (seeded)', () => {
  it('decryptBackupWithKey: thousands of mutated backups', async () => {
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const sample = samples[int(samples.length)];
      if (sample === undefined) throw new Error('no samples');
      const input = mutate(sample.file);
      const result = await decryptOutcome(input, sample.plaintext);
      outcomes.set(result, (outcomes.get(result) ?? 0) + 1);
    }
    // Every failure class must have been reached, or the mutations are too weak to mean anything.
    expect([...outcomes.keys()].sort()).toEqual([
      'BAD_PASSPHRASE',
      'CORRUPT_BACKUP',
      'UNSUPPORTED_BACKUP',
      'decrypted',
    ]);
  });

  it('decryptBackupWithKey: random bytes, with and without a valid magic and version', async () => {
    const magic = new TextEncoder().encode('PARLEYBK\u0001');
    for (let i = 0; i < 10_000; i++) {
      const body = randomBytes(int(800));
      const input = random() < 0.5 ? concatBytes(magic, body) : body;
      await decryptOutcome(input, undefined);
    }
  });

  it('readBackupHeader: random and mutated headers only throw CORRUPT_BACKUP or UNSUPPORTED_BACKUP', async () => {
    const header = samples[0]?.file.subarray(0, BACKUP_HEADER_BYTES) ?? new Uint8Array(0);
    let parsed = 0;
    for (let i = 0; i < 20_000; i++) {
      const input = i % 4 === 0 ? randomBytes(int(200)) : mutate(header);
      try {
        await readBackupHeader(input);
        parsed++;
      } catch (error) {
        if (!(ParleyCryptoError.is(error) && HEADER_CODES.has(error.code))) {
          throw new Error('readBackupHeader threw something other than a header error', { cause: error });
        }
      }
    }
    expect(parsed).toBeGreaterThan(0);
  });
});
