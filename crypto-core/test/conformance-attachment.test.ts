/**
 * Conformance vectors for attachments (docs/conformance.md; docs/protocol.md
 * §11): the committed blobs decrypt to their plaintexts with the documented
 * layout, each refused blob is refused with its code, and the message decodes.
 */
import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { attachmentCiphertextLength, attachmentPaddedSize, decryptAttachment } from '../src/attachment/index.js';
import { decodeContent } from '../src/content/codec.js';
import { concatBytes, fromHex, toHex } from '../src/encoding.js';
import { ParleyCryptoError } from '../src/errors.js';
import type { AttachmentVectors } from '../vectors/types.js';
import { loadVectors } from './support/conformance-vectors.js';

const file = loadVectors<AttachmentVectors>('attachment.json');

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return concatBytes(...parts);
}

describe('attachment vectors', () => {
  it('give the documented buckets and blob lengths', () => {
    for (const bucket of file.buckets) {
      expect(attachmentPaddedSize(bucket.size)).toBe(bucket.paddedSize);
      expect(attachmentCiphertextLength(bucket.size)).toBe(bucket.blobLength);
    }
  });

  it('are the documented construction, rebuilt here from node:crypto alone', () => {
    for (const vector of file.encryptions) {
      const key = fromHex(vector.keyHex);
      const iv = fromHex(vector.ivHex);
      const padded = new Uint8Array(vector.paddedSize);
      padded.set(fromHex(vector.plaintextHex));
      const cipher = createCipheriv('aes-256-cbc', key.subarray(0, 32), iv);
      const body = concatBytes(cipher.update(padded), cipher.final());
      const mac = createHmac('sha256', key.subarray(32)).update(iv).update(body).digest();
      const blob = concatBytes(iv, body, mac);
      expect(toHex(blob), vector.name).toBe(vector.blobHex);
      expect(createHash('sha256').update(blob).digest('hex'), vector.name).toBe(vector.digestHex);
    }
  });

  it('decrypt to their plaintexts', async () => {
    for (const vector of file.encryptions) {
      const plaintext = await collect(
        decryptAttachment([fromHex(vector.blobHex)], {
          key: fromHex(vector.keyHex),
          digest: fromHex(vector.digestHex),
          size: vector.size,
        }),
      );
      expect(toHex(plaintext), vector.name).toBe(vector.plaintextHex);
    }
  });

  it('refuse each damaged blob or wrong pointer with its code', async () => {
    expect(new Set(file.refusals.map((refusal) => refusal.error))).toEqual(
      new Set(['ATTACHMENT_TRUNCATED', 'ATTACHMENT_TAMPERED', 'ATTACHMENT_DIGEST_MISMATCH']),
    );
    for (const refusal of file.refusals) {
      const run = collect(
        decryptAttachment([fromHex(refusal.blobHex)], {
          key: fromHex(refusal.keyHex),
          digest: fromHex(refusal.digestHex),
          size: refusal.size,
        }),
      );
      const error = await run.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(ParleyCryptoError.is(error, refusal.error as never), refusal.name).toBe(true);
    }
  });

  it('decode the message from its padded bytes', () => {
    const decoded = decodeContent(fromHex(file.message.paddedHex));
    expect(decoded.type).toBe('attachment');
    expect(decoded).toMatchObject({ caption: file.message.json.caption });
  });
});
