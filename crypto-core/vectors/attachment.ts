/**
 * Attachment encryption and the attachment message (docs/protocol.md §11):
 * padding buckets, blobs made with a fixed key and IV, blobs the recipient
 * must refuse with the code it refuses them with, and one message as content.
 * Nothing random: regenerating changes nothing.
 */
import {
  attachmentCiphertextLength,
  attachmentPaddedSize,
  decryptAttachment,
  encryptAttachment,
} from '../src/attachment/index.js';
import { decodeContent, encodeContent } from '../src/content/codec.js';
import { padContent } from '../src/content/padding.js';
import { concatBytes, fromHex, toBase64, toHex, utf8 } from '../src/encoding.js';
import { ParleyCryptoError } from '../src/errors.js';
import type { AttachmentEncryptionVector, AttachmentRefusal, AttachmentVectors } from './types.js';

const KEY = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);
const OTHER_KEY = Uint8Array.from({ length: 64 }, (_, i) => (i * 53 + 2) & 0xff);
const IV = Uint8Array.from({ length: 16 }, (_, i) => (i * 19 + 5) & 0xff);
const BLOB_ID = 'Zm9yIHRoZSB2ZWN0b3JzIG9ubHksIG5vdCByYW5kb20';

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return concatBytes(...parts);
}

async function encryption(name: string, plaintext: Uint8Array): Promise<AttachmentEncryptionVector> {
  const encrypted = encryptAttachment([plaintext], KEY, { iv: IV });
  const blob = await collect(encrypted.ciphertext);
  const { digest, size } = encrypted.result();
  return {
    name,
    plaintextHex: toHex(plaintext),
    size,
    paddedSize: attachmentPaddedSize(size),
    keyHex: toHex(KEY),
    ivHex: toHex(IV),
    blobHex: toHex(blob),
    digestHex: toHex(digest),
  };
}

/** The refusal `decryptAttachment` makes of `blob` under the pointer, recorded as it happens. */
async function refusal(
  name: string,
  blob: Uint8Array,
  pointer: { key: Uint8Array; digest: Uint8Array; size: number },
): Promise<AttachmentRefusal> {
  let error: string | undefined;
  try {
    await collect(decryptAttachment([blob], pointer));
  } catch (thrown) {
    if (!ParleyCryptoError.is(thrown)) throw thrown;
    error = thrown.code;
  }
  if (error === undefined) throw new Error(`${name}: was accepted, but the vector says it is refused`);
  return {
    name,
    blobHex: toHex(blob),
    keyHex: toHex(pointer.key),
    digestHex: toHex(pointer.digest),
    size: pointer.size,
    error,
  };
}

function flipped(blob: Uint8Array, at: number): Uint8Array {
  const copy = blob.slice();
  copy[at] = (copy[at] as number) ^ 0x01;
  return copy;
}

export async function attachmentVectors(): Promise<AttachmentVectors> {
  const encryptions = [
    await encryption('empty', new Uint8Array(0)),
    await encryption('one byte', Uint8Array.of(0x2a)),
    await encryption('text', utf8('Parley attachment test vector: a short file.\n')),
    await encryption(
      'two buckets up',
      Uint8Array.from({ length: 600 }, (_, i) => (i * 7) & 0xff),
    ),
  ];
  const base = encryptions[2] as AttachmentEncryptionVector;
  const blob = fromHex(base.blobHex);
  const pointer = { key: KEY, digest: fromHex(base.digestHex), size: base.size };
  const wrongDigest = flipped(pointer.digest, 0);
  const refusals = [
    await refusal('truncated: the MAC cut off', blob.subarray(0, blob.byteLength - 32), pointer),
    await refusal('truncated: one byte short', blob.subarray(0, blob.byteLength - 1), pointer),
    await refusal('tampered: a ciphertext byte changed', flipped(blob, 40), pointer),
    await refusal('tampered: the IV changed', flipped(blob, 0), pointer),
    await refusal('tampered: one byte appended', concatBytes(blob, Uint8Array.of(0)), pointer),
    await refusal('wrong key', blob, { ...pointer, key: OTHER_KEY }),
    await refusal('digest mismatch', blob, { ...pointer, digest: wrongDigest }),
    await refusal('size in the same bucket but not the real one', blob, { ...pointer, size: base.size - 1 }),
  ];
  const json = {
    v: 1,
    type: 'attachment',
    id: '018f2c1e-7a3b-7c4d-8e5f-0123456789ab',
    sentAt: 1732780800000,
    attachments: [
      {
        blobId: BLOB_ID,
        key: toBase64(KEY),
        digest: toBase64(pointer.digest),
        size: base.size,
        contentType: 'text/plain',
        fileName: 'notes.txt',
      },
      {
        blobId: BLOB_ID.replace('Z', 'Y'),
        key: toBase64(OTHER_KEY),
        digest: toBase64(wrongDigest),
        size: 120_000,
        contentType: 'image/png',
        width: 640,
        height: 480,
        thumbnail: { contentType: 'image/webp', data: toBase64(Uint8Array.of(0x52, 0x49, 0x46, 0x46)) },
      },
    ],
    caption: 'two files',
  };
  // Decoded from the JSON, then encoded again: proves the JSON valid and gives the canonical padded bytes.
  const decoded = decodeContent(padContent(utf8(JSON.stringify(json))));
  if (decoded.type !== 'attachment') throw new Error('the vector message does not decode as an attachment');
  const padded = encodeContent(decoded);
  return {
    description:
      'Attachment blobs (AES-256-CBC + HMAC-SHA256 over a padded plaintext, SHA-256 digest) and the attachment message',
    backs: ['docs/protocol.md §11'],
    buckets: [0, 1, 541, 542, 1000, 65_536, 1_000_000, 100 * 1024 * 1024].map((size) => ({
      size,
      paddedSize: attachmentPaddedSize(size),
      blobLength: attachmentCiphertextLength(size),
    })),
    encryptions,
    refusals,
    message: { json, paddedHex: toHex(padded) },
  };
}
