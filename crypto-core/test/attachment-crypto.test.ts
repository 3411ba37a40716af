/**
 * Attachment encryption (docs/protocol.md §11.1): round trips at several
 * sizes, a large input streamed with flat memory, and each refusal with its
 * code: truncated, a tampered chunk, extra bytes, the wrong digest, the wrong key.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ATTACHMENT_IV_BYTES,
  ATTACHMENT_MAC_BYTES,
  attachmentCiphertextLength,
  attachmentPaddedSize,
  decryptAttachment,
  encryptAttachment,
  generateAttachmentKey,
  MIN_ATTACHMENT_BUCKET,
  verifyAttachment,
} from '../src/attachment/index.js';
import { concatBytes, equalBytes } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return concatBytes(...parts);
}

function pattern(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return out;
}

/** `data` in slices of `size` bytes (the last shorter). */
function* slices(data: Uint8Array, size: number): Generator<Uint8Array> {
  for (let offset = 0; offset < data.byteLength; offset += size) yield data.subarray(offset, offset + size);
}

async function encrypt(plaintext: Uint8Array, key = generateAttachmentKey()) {
  const encryption = encryptAttachment(slices(plaintext, 10_000), key, { expectedSize: plaintext.byteLength });
  const blob = await collect(encryption.ciphertext);
  return { key, blob, ...encryption.result() };
}

async function expectCode(run: Promise<unknown>, code: CryptoErrorCode): Promise<void> {
  const error = await run.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(ParleyCryptoError.is(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
}

describe('attachment padding buckets', () => {
  it('start at 541 and grow by 5% (rounded down) per bucket', () => {
    expect(attachmentPaddedSize(0)).toBe(MIN_ATTACHMENT_BUCKET);
    expect(attachmentPaddedSize(541)).toBe(541);
    expect(attachmentPaddedSize(542)).toBe(541 + 27);
    expect(attachmentPaddedSize(568)).toBe(568);
    expect(attachmentPaddedSize(569)).toBe(568 + 28);
    for (const size of [1000, 123_456, 10_000_000, 100 * 1024 * 1024]) {
      const padded = attachmentPaddedSize(size);
      expect(padded).toBeGreaterThanOrEqual(size);
      expect(padded).toBeLessThanOrEqual(Math.ceil(size * 1.05));
    }
  });

  it('give the blob length: IV, whole AES blocks with PKCS#7, MAC', () => {
    expect(attachmentCiphertextLength(0)).toBe(16 + 544 + 32);
    expect(attachmentCiphertextLength(568)).toBe(16 + 576 + 32);
  });

  it('refuse negative, fractional and oversized sizes', () => {
    expect(() => attachmentPaddedSize(-1)).toThrow(ParleyCryptoError);
    expect(() => attachmentPaddedSize(1.5)).toThrow(ParleyCryptoError);
    expect(() => attachmentPaddedSize(2 * 1024 ** 3 + 1)).toThrow(ParleyCryptoError);
  });
});

describe('attachment round trip', () => {
  it.each([0, 1, 15, 16, 541, 542, 65_536, 300_001])('%i bytes come back exactly', async (size) => {
    const plaintext = pattern(size, size);
    const { key, blob, digest, ciphertextLength } = await encrypt(plaintext);
    expect(blob.byteLength).toBe(ciphertextLength);
    expect(ciphertextLength).toBe(attachmentCiphertextLength(size));
    expect(equalBytes(digest, createHash('sha256').update(blob).digest())).toBe(true);
    await verifyAttachment([blob], { key, digest, size });
    const back = await collect(decryptAttachment(slices(blob, 777), { key, digest, size }));
    expect(equalBytes(back, plaintext)).toBe(true);
  });

  it('uses a fresh IV each time, so the same file under the same key is another blob', async () => {
    const key = generateAttachmentKey();
    const a = await encrypt(pattern(1000), key);
    const b = await encrypt(pattern(1000), key);
    expect(equalBytes(a.blob.subarray(0, ATTACHMENT_IV_BYTES), b.blob.subarray(0, ATTACHMENT_IV_BYTES))).toBe(false);
    expect(equalBytes(a.digest, b.digest)).toBe(false);
  });

  it('streams 200 MiB through encryption and straight into decryption with bounded memory', async () => {
    const MIB = 1024 * 1024;
    const size = 200 * MIB;
    const slice = pattern(MIB, 3);
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let sent = 0; sent < size; sent += MIB) yield slice;
    }
    const key = generateAttachmentKey();
    const iv = pattern(ATTACHMENT_IV_BYTES, 9);
    // Pass 1 learns the digest (a fixed IV makes the blob the same both times), keeping nothing.
    const first = encryptAttachment(source(), key, { iv, expectedSize: size });
    let blobLength = 0;
    for await (const part of first.ciphertext) blobLength += part.byteLength;
    const { digest } = first.result();
    expect(blobLength).toBe(attachmentCiphertextLength(size));

    const before = process.memoryUsage().rss;
    let peak = before;
    let received = 0;
    let index = 0;
    const blob = encryptAttachment(source(), key, { iv }).ciphertext;
    for await (const part of decryptAttachment(blob, { key, digest, size })) {
      if (index++ % 16 === 0) {
        for (let i = 0; i < Math.min(64, part.byteLength); i++) {
          if (part[i] !== slice[(received + i) % MIB]) throw new Error(`plaintext differs at ${received + i}`);
        }
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      received += part.byteLength;
    }
    expect(received).toBe(size);
    // Holding the stream would mean >= 200 MiB; garbage awaiting collection stays far below that.
    expect((peak - before) / MIB).toBeLessThan(64);
  }, 60_000);

  it('refuses a source that yields more or fewer bytes than announced', async () => {
    const key = generateAttachmentKey();
    await expectCode(
      collect(encryptAttachment([pattern(10)], key, { expectedSize: 11 }).ciphertext),
      'INVALID_ENCODING',
    );
    await expectCode(
      collect(encryptAttachment([pattern(12)], key, { expectedSize: 11 }).ciphertext),
      'INVALID_ENCODING',
    );
    expect(() => encryptAttachment([], new Uint8Array(32))).toThrow(ParleyCryptoError);
  });
});

describe('attachment refusals', () => {
  const size = 200_000;

  it('a truncated blob: ATTACHMENT_TRUNCATED', async () => {
    const { key, blob, digest } = await encrypt(pattern(size));
    for (const cut of [0, 10, blob.byteLength - ATTACHMENT_MAC_BYTES, blob.byteLength - 1]) {
      const expected = { key, digest, size };
      await expectCode(verifyAttachment([blob.subarray(0, cut)], expected), CryptoErrorCode.AttachmentTruncated);
      await expectCode(
        collect(decryptAttachment([blob.subarray(0, cut)], expected)),
        CryptoErrorCode.AttachmentTruncated,
      );
    }
  });

  it('a tampered chunk, the IV or the MAC changed, or bytes appended: ATTACHMENT_TAMPERED', async () => {
    const { key, blob, digest } = await encrypt(pattern(size));
    for (const at of [
      0,
      5,
      ATTACHMENT_IV_BYTES,
      100_000,
      blob.byteLength - ATTACHMENT_MAC_BYTES - 1,
      blob.byteLength - 1,
    ]) {
      const damaged = blob.slice();
      damaged[at] = (damaged[at] as number) ^ 0x01;
      await expectCode(verifyAttachment([damaged], { key, digest, size }), CryptoErrorCode.AttachmentTampered);
      await expectCode(
        collect(decryptAttachment([damaged], { key, digest, size })),
        CryptoErrorCode.AttachmentTampered,
      );
    }
    const longer = concatBytes(blob, new Uint8Array(1));
    await expectCode(collect(decryptAttachment([longer], { key, digest, size })), CryptoErrorCode.AttachmentTampered);
  });

  it('the wrong key: ATTACHMENT_TAMPERED, the wrong digest: ATTACHMENT_DIGEST_MISMATCH', async () => {
    const { key, blob, digest } = await encrypt(pattern(size));
    const wrongKey = generateAttachmentKey();
    await expectCode(
      collect(decryptAttachment([blob], { key: wrongKey, digest, size })),
      CryptoErrorCode.AttachmentTampered,
    );
    const wrongDigest = digest.slice();
    wrongDigest[0] = (wrongDigest[0] as number) ^ 0x80;
    await expectCode(
      verifyAttachment([blob], { key, digest: wrongDigest, size }),
      CryptoErrorCode.AttachmentDigestMismatch,
    );
    await expectCode(
      collect(decryptAttachment([blob], { key, digest: wrongDigest, size })),
      CryptoErrorCode.AttachmentDigestMismatch,
    );
  });

  it('a pointer whose size is another size in the same bucket: ATTACHMENT_TAMPERED (the padding is not zeros)', async () => {
    const { key, blob, digest } = await encrypt(pattern(1000));
    expect(attachmentPaddedSize(999)).toBe(attachmentPaddedSize(1000));
    await expectCode(
      collect(decryptAttachment([blob], { key, digest, size: 999 })),
      CryptoErrorCode.AttachmentTampered,
    );
  });

  it('a malformed key or digest: INVALID_ENCODING', async () => {
    const { key, blob, digest } = await encrypt(pattern(10));
    await expectCode(verifyAttachment([blob], { key: key.subarray(0, 32), digest, size: 10 }), 'INVALID_ENCODING');
    await expectCode(verifyAttachment([blob], { key, digest: digest.subarray(1), size: 10 }), 'INVALID_ENCODING');
  });
});
