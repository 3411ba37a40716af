import { seededRandom } from '@parley/test-support/fuzz';
import { beforeAll, describe, expect, it } from 'vitest';
import { ARGON2ID_INTERACTIVE, ARGON2ID_MODERATE } from '../src/at-rest/index.js';
import {
  BACKUP_HEADER_BYTES,
  type BackupKey,
  createBackupKey,
  DEFAULT_BACKUP_CHUNK_SIZE,
  decryptBackup,
  decryptBackupWithKey,
  deriveBackupKey,
  encryptBackup,
  encryptBackupWithKey,
  readBackupHeader,
  verifyBackup,
} from '../src/backup/portable.js';
import { concatBytes, equalBytes, toHex } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';

const PASSPHRASE = 'correct horse battery staple';
const FRAME_OVERHEAD = 4 + 17; // length field + secretstream ABYTES

function patterned(length: number, seed = 1): Uint8Array {
  const random = seededRandom(seed);
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

/** `data` as an async stream of slices of the given sizes (cycled), empty slices included. */
async function* sliced(data: Uint8Array, sizes: readonly number[] = [data.byteLength]): AsyncGenerator<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < data.byteLength || i === 0; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<{ whole: Uint8Array; pieces: Uint8Array[] }> {
  const pieces: Uint8Array[] = [];
  for await (const piece of source) pieces.push(piece);
  return { whole: concatBytes(...pieces), pieces };
}

async function failureCode(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return ParleyCryptoError.is(error) ? error.code : `not typed: ${String(error)}`;
  }
  return 'no error';
}

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

let key: BackupKey;
beforeAll(async () => {
  key = await createBackupKey(PASSPHRASE, { kdf: ARGON2ID_INTERACTIVE });
});

describe('backup container round trip (derived key)', () => {
  const C = DEFAULT_BACKUP_CHUNK_SIZE;
  it.each([
    ['empty', 0],
    ['one byte', 1],
    ['small', 1000],
    ['one byte short of a chunk', C - 1],
    ['exactly one chunk', C],
    ['one byte over a chunk', C + 1],
    ['exactly three chunks', 3 * C],
    ['multi-chunk, ragged end', 5 * C + 12_345],
  ])('%s (%i bytes) in one slice', async (_name, length) => {
    const plaintext = patterned(length, length);
    const { whole: ciphertext, pieces } = await collect(encryptBackupWithKey(sliced(plaintext), key));
    const chunks = Math.max(1, Math.ceil(length / C));
    // Header, then one frame per chunk: a full last chunk is final itself, with no empty chunk after it.
    expect(pieces.length).toBe(1 + chunks);
    expect(ciphertext.byteLength).toBe(BACKUP_HEADER_BYTES + chunks * FRAME_OVERHEAD + length);
    const { whole: decrypted, pieces: out } = await collect(decryptBackupWithKey(sliced(ciphertext), key));
    expect(equalBytes(decrypted, plaintext)).toBe(true);
    expect(out.every((piece) => piece.byteLength > 0)).toBe(true);
  });

  it('round trips irregular input and ciphertext slicing (1-byte to multi-chunk slices, empty slices)', async () => {
    const random = seededRandom(42);
    for (const length of [0, 255, 256, 257, 4096, 70_000]) {
      const plaintext = patterned(length, 7 + length);
      const inSizes = Array.from(
        { length: 50 },
        () => [0, 1, 3, 255, 256, 257, 1000, 5000][Math.floor(random() * 8)] ?? 1,
      );
      const outSizes = Array.from({ length: 50 }, () => [0, 1, 2, 4, 5, 17, 277, 3000][Math.floor(random() * 8)] ?? 1);
      const { whole: ciphertext } = await collect(
        encryptBackupWithKey(sliced(plaintext, inSizes), key, { chunkSize: 256 }),
      );
      const { whole: decrypted } = await collect(decryptBackupWithKey(sliced(ciphertext, outSizes), key));
      expect(equalBytes(decrypted, plaintext), `length ${length}`).toBe(true);
    }
  });

  it('writes the same chunking whatever the input slicing', async () => {
    const plaintext = patterned(3000, 3);
    const a = await collect(encryptBackupWithKey(sliced(plaintext), key, { chunkSize: 1024 }));
    const b = await collect(encryptBackupWithKey(sliced(plaintext, [1, 7, 1500]), key, { chunkSize: 1024 }));
    expect(a.pieces.map((piece) => piece.byteLength)).toEqual(b.pieces.map((piece) => piece.byteLength));
    expect(a.pieces.map((piece) => piece.byteLength)).toEqual([126, 4 + 17 + 1024, 4 + 17 + 1024, 4 + 17 + 952]);
  });

  it('accepts Node Buffers and other Uint8Array views as input', async () => {
    const plaintext = Buffer.from('a Buffer is a Uint8Array');
    const { whole } = await collect(encryptBackupWithKey(sliced(plaintext), key));
    const { whole: decrypted } = await collect(decryptBackupWithKey(sliced(whole), key));
    expect(Buffer.from(decrypted).toString()).toBe('a Buffer is a Uint8Array');
  });

  it('closes the source when the consumer stops early', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (let i = 0; i < 100; i++) yield new Uint8Array(1000);
      } finally {
        closed = true;
      }
    }
    const { whole } = await collect(encryptBackupWithKey(source(), key, { chunkSize: 256 }));
    closed = false;
    async function* replay(): AsyncGenerator<Uint8Array> {
      try {
        yield* sliced(whole, [300]);
      } finally {
        closed = true;
      }
    }
    for await (const _chunk of decryptBackupWithKey(replay(), key)) break;
    expect(closed).toBe(true);
  });
});

describe('backup container with a passphrase', () => {
  it('round trips through encryptBackup / decryptBackup and verifies', async () => {
    const plaintext = patterned(100_000, 9);
    const { whole } = await collect(
      encryptBackup(sliced(plaintext, [4096]), PASSPHRASE, { kdf: ARGON2ID_INTERACTIVE }),
    );
    const { whole: decrypted } = await collect(decryptBackup(sliced(whole, [65536]), PASSPHRASE));
    expect(equalBytes(decrypted, plaintext)).toBe(true);
    const verified = await verifyBackup(sliced(whole, [1000]), PASSPHRASE);
    expect(verified.plaintextBytes).toBe(100_000);
    expect(verified.header.kdf).toEqual(ARGON2ID_INTERACTIVE);
  });

  it('reports a wrong passphrase as BAD_PASSPHRASE before yielding anything', async () => {
    const { whole } = await collect(encryptBackup(sliced(patterned(5000)), PASSPHRASE, { kdf: ARGON2ID_INTERACTIVE }));
    let yielded = 0;
    const code = await failureCode(async () => {
      for await (const _chunk of decryptBackup(sliced(whole), 'correct horse battery stapler')) yielded++;
    });
    expect(code).toBe(CryptoErrorCode.BadPassphrase);
    expect(yielded).toBe(0);
    expect(await failureCode(() => verifyBackup(sliced(whole), 'wrong'))).toBe(CryptoErrorCode.BadPassphrase);
    expect(await failureCode(() => collect(decryptBackupWithKey(sliced(whole), key)))).toBe(
      CryptoErrorCode.BadPassphrase,
    );
  });

  it('derives the key once from the header, e.g. in a worker (the key survives structured cloning)', async () => {
    const { whole } = await collect(encryptBackupWithKey(sliced(patterned(3000)), key, { chunkSize: 1024 }));
    const header = await readBackupHeader(whole.subarray(0, BACKUP_HEADER_BYTES));
    const derived = structuredClone(await deriveBackupKey(PASSPHRASE, header));
    expect(toHex(derived.streamKey)).toBe(toHex(key.streamKey));
    const { whole: decrypted } = await collect(decryptBackupWithKey(sliced(whole), derived));
    expect(decrypted.byteLength).toBe(3000);
  });

  it('uses a fresh stream header per backup and a fresh salt per key', async () => {
    const a = await collect(encryptBackupWithKey(sliced(new Uint8Array(10)), key));
    const b = await collect(encryptBackupWithKey(sliced(new Uint8Array(10)), key));
    const headerA = await readBackupHeader(a.whole);
    const headerB = await readBackupHeader(b.whole);
    expect(toHex(headerA.salt)).toBe(toHex(headerB.salt));
    expect(toHex(headerA.streamHeader)).not.toBe(toHex(headerB.streamHeader));
    const otherKey = await createBackupKey(PASSPHRASE, { kdf: ARGON2ID_INTERACTIVE });
    expect(toHex(otherKey.salt)).not.toBe(toHex(key.salt));
    expect(toHex(otherKey.streamKey)).not.toBe(toHex(key.streamKey));
  });

  it('exports with Argon2id MODERATE by default', async () => {
    const { pieces } = await collect(encryptBackup(sliced(new Uint8Array(1)), PASSPHRASE));
    const header = await readBackupHeader(pieces[0] ?? new Uint8Array(0));
    expect(header.kdf).toEqual(ARGON2ID_MODERATE);
  });

  it('refuses bad options: chunk size, Argon2id parameters, empty passphrase', async () => {
    expect(
      await failureCode(() => collect(encryptBackupWithKey(sliced(new Uint8Array(1)), key, { chunkSize: 10 }))),
    ).toBe(CryptoErrorCode.InvalidEncoding);
    expect(
      await failureCode(() =>
        collect(encryptBackup(sliced(new Uint8Array(1)), PASSPHRASE, { kdf: { opsLimit: 1, memLimit: 8192 } })),
      ),
    ).toBe(CryptoErrorCode.InvalidEncoding);
    expect(
      await failureCode(() => collect(encryptBackup(sliced(new Uint8Array(1)), '', { kdf: ARGON2ID_INTERACTIVE }))),
    ).toBe(CryptoErrorCode.BadPassphrase);
  });
});

describe('caller errors and source errors', () => {
  it('a source that is not iterable, or yields something other than bytes, is INVALID_ENCODING', async () => {
    const notIterable = 42 as unknown as Iterable<Uint8Array>;
    expect(await failureCode(() => collect(encryptBackupWithKey(notIterable, key)))).toBe(
      CryptoErrorCode.InvalidEncoding,
    );
    expect(await failureCode(() => collect(decryptBackupWithKey(notIterable, key)))).toBe(
      CryptoErrorCode.InvalidEncoding,
    );
    const started = performance.now();
    expect(await failureCode(() => collect(encryptBackup(notIterable, PASSPHRASE)))).toBe(
      CryptoErrorCode.InvalidEncoding,
    );
    expect(performance.now() - started).toBeLessThan(150); // refused before Argon2id
    const strings = ['text'] as unknown as Iterable<Uint8Array>;
    expect(await failureCode(() => collect(encryptBackupWithKey(strings, key)))).toBe(CryptoErrorCode.InvalidEncoding);
    expect(await failureCode(() => collect(decryptBackupWithKey(strings, key)))).toBe(CryptoErrorCode.InvalidEncoding);
    const notAKey = { ...key, streamKey: new Uint8Array(3) };
    expect(await failureCode(() => collect(decryptBackupWithKey([], notAKey)))).toBe(CryptoErrorCode.InvalidEncoding);
  });

  it('errors of the source itself propagate unchanged', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10);
      throw new Error('EIO: read failed');
    }
    await expect(collect(encryptBackupWithKey(failing(), key))).rejects.toThrow('EIO: read failed');
    await expect(collect(decryptBackupWithKey(failing(), key))).rejects.toThrow('EIO: read failed');
  });
});

describe('readBackupHeader and the documented layout', () => {
  it('parses the header without the passphrase', async () => {
    const { whole } = await collect(encryptBackupWithKey(sliced(new Uint8Array(5)), key, { chunkSize: 4096 }));
    const header = await readBackupHeader(whole);
    expect(header).toMatchObject({
      formatVersion: 1,
      kdfAlgorithm: 'argon2id13',
      kdf: ARGON2ID_INTERACTIVE,
      chunkSize: 4096,
    });
    expect(header.salt.byteLength).toBe(16);
    expect(header.streamHeader.byteLength).toBe(24);
    expect(header.keyCheck.byteLength).toBe(32);
    expect(toHex(header.encoded)).toBe(toHex(whole.subarray(0, BACKUP_HEADER_BYTES)));
    expect(new TextDecoder().decode(whole.subarray(0, 8))).toBe('PARLEYBK');
    expect(toHex(whole.subarray(8, 22))).toBe('0102' + '00000002' + '04000000' + '00001000');
  });

  it('decrypts the documented test vector (a second implementation must too)', async () => {
    const vector = fromHex(
      '5041524c4559424b0102000000020400000000000100fb73e30572875b2420f3ca95bee15f2f808248e219c5edbc4c9fbfebfe9f97c29165e71c8cf69bd63b28677aef93a15901d5aedb441a5585eb6fc9ca2d230959b078c1c2a60f75e461d95addadb3688f07f4fe1af3136652638ac4325c831ad2e847cf5570fdee190000011196f0a985131ed5f2cfb7315cd32eb99a79055b50f93eed42b663f370af18c606ba3ece45e776c2efa2ecdd073bed0a624c2acb6e0429f57a285e67d9213914032b86a5bdad865b4a9171e2682a1fc918e9a9d281723bd77ca8bc54f9ddff800211c3c0892432cc858f987811ec7303f16631f8093f5bdb067ba5e7428b569fb9d18f5eb0764a803c18a92d77b050c2286b8435901663b945c088f773803cb307763f6520fe43d9646ba7c12354bfe2279756e525b6ab6d9c89a847ccb43f7211a9d8925e5840775d08bcda475658be6c95bbc404f3aeb545e1e660ce58d2c42bf579afd7bd5ff029ad47f62a70cd2320f7e2d23f2e85363d2df9c57333be2682df29b942730bdd585e8258584751b906bf0000003db8d3fbae994863546f9fe2766e5a258bad57a4f9f67da0b0f46ad620529aebdb51f873b10e773471984b8675beccecfda7036eb3121038e945ddff6b91',
    );
    const { whole: plaintext } = await collect(decryptBackup(sliced(vector), PASSPHRASE));
    expect([...plaintext]).toEqual(Array.from({ length: 300 }, (_, i) => i & 0xff));
  });
});
