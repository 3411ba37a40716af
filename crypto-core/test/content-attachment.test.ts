/**
 * The attachment message (docs/protocol.md §11.2): pointers survive encode and
 * decode, and the schema's limits refuse what a recipient must never act on.
 */
import { describe, expect, it } from 'vitest';
import {
  type AttachmentContent,
  type AttachmentPointer,
  decodeContent,
  encodeContent,
  MAX_ATTACHMENTS_PER_MESSAGE,
  padContent,
} from '../src/content/index.js';
import { toBase64, utf8 } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';

const MESSAGE_ID = '018f2c1e-7a3b-7c4d-8e5f-0123456789ab';
const GROUP_ID = '3b241101-e2bb-4255-8caf-4136c566a962';
const SENT_AT = 1_732_780_800_000;
const BLOB_ID = 'q1Zs3wHq9Jv7Lx2bTtRk0yUe5aGm4nPc8dQf6iSo1rA';

const PHOTO: AttachmentPointer = {
  blobId: BLOB_ID,
  key: Uint8Array.from({ length: 64 }, (_, i) => i),
  digest: new Uint8Array(32).fill(0xd1),
  size: 1_234_567,
  contentType: 'image/jpeg',
  fileName: 'IMG_0001.jpg',
  width: 4032,
  height: 3024,
  thumbnail: { contentType: 'image/webp', data: new Uint8Array(900).fill(3) },
};
const VOICE: AttachmentPointer = {
  blobId: BLOB_ID.replace('q', 'Q'),
  key: new Uint8Array(64).fill(9),
  digest: new Uint8Array(32).fill(0x11),
  size: 48_000,
  contentType: 'audio/webm',
  voiceNote: { durationMs: 5_300 },
};

const MESSAGE: AttachmentContent = {
  type: 'attachment',
  id: MESSAGE_ID,
  sentAt: SENT_AT,
  attachments: [PHOTO, VOICE],
  caption: 'the view from here',
  groupId: GROUP_ID,
};

/** The wire JSON of MESSAGE with `change` applied to its first pointer. */
function withPointer(change: Record<string, unknown>): Uint8Array {
  const wire = {
    v: 1,
    type: 'attachment',
    id: MESSAGE_ID,
    sentAt: SENT_AT,
    attachments: [
      {
        blobId: BLOB_ID,
        key: toBase64(PHOTO.key),
        digest: toBase64(PHOTO.digest),
        size: 10,
        contentType: 'application/pdf',
        ...change,
      },
    ],
  };
  return padContent(utf8(JSON.stringify(wire)));
}

function expectInvalid(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(ParleyCryptoError.is(error, CryptoErrorCode.InvalidContent), String(error)).toBe(true);
    return;
  }
  throw new Error('expected INVALID_CONTENT, but nothing was thrown');
}

describe('attachment content', () => {
  it('survives encode then decode unchanged, with every optional field', () => {
    expect(decodeContent(encodeContent(MESSAGE))).toEqual(MESSAGE);
    const bare: AttachmentContent = { type: 'attachment', id: MESSAGE_ID, sentAt: SENT_AT, attachments: [VOICE] };
    expect(decodeContent(encodeContent(bare))).toEqual(bare);
  });

  it('decodes a minimal pointer from its documented JSON', () => {
    const decoded = decodeContent(withPointer({}));
    expect(decoded).toMatchObject({ type: 'attachment', attachments: [{ blobId: BLOB_ID, size: 10 }] });
  });

  it.each([
    ['a blob id of another length', { blobId: 'abc' }],
    ['a blob id with unused bits set', { blobId: `${BLOB_ID.slice(0, 42)}B` }],
    ['a 32-byte key', { key: toBase64(new Uint8Array(32)) }],
    ['a 31-byte digest', { digest: toBase64(new Uint8Array(31)) }],
    ['a negative size', { size: -1 }],
    ['a size above 2 GiB', { size: 2 * 1024 ** 3 + 1 }],
    ['a MIME type with parameters', { contentType: 'text/plain; charset=utf-8' }],
    ['an uppercase MIME type', { contentType: 'Image/JPEG' }],
    ['a file name with a folder', { fileName: '../evil.exe' }],
    ['a file name with a backslash', { fileName: 'a\\b.txt' }],
    ['a file name with a control character', { fileName: 'a\u0000.jpg' }],
    ['the file name ..', { fileName: '..' }],
    ['a width without a height', { width: 10 }],
    ['a zero height', { width: 10, height: 0 }],
    ['a thumbnail of another type', { thumbnail: { contentType: 'image/svg+xml', data: 'AAAA' } }],
    ['a thumbnail over 4 KiB', { thumbnail: { contentType: 'image/png', data: toBase64(new Uint8Array(4097)) } }],
    ['a voice note of zero length', { voiceNote: { durationMs: 0 } }],
    ['an unknown field', { caption: 'belongs to the message' }],
  ])('refuses %s', (_name, change) => {
    expectInvalid(() => decodeContent(withPointer(change)));
  });

  it('refuses no attachments, too many, and an empty caption', () => {
    expectInvalid(() => encodeContent({ ...MESSAGE, attachments: [] }));
    const many = Array.from({ length: MAX_ATTACHMENTS_PER_MESSAGE + 1 }, () => VOICE);
    expectInvalid(() => encodeContent({ ...MESSAGE, attachments: many }));
    expectInvalid(() => encodeContent({ ...MESSAGE, caption: '' }));
  });

  it('keeps ten pointers with full thumbnails within the largest padding bucket', () => {
    const full = { ...PHOTO, thumbnail: { contentType: 'image/jpeg' as const, data: new Uint8Array(4096) } };
    const ten = { ...MESSAGE, attachments: Array.from({ length: MAX_ATTACHMENTS_PER_MESSAGE }, () => full) };
    expect(decodeContent(encodeContent(ten))).toEqual(ten);
  });
});
