/**
 * Attachment messages (docs/protocol.md §11.2): one or more pointers to
 * encrypted blobs on the sender's home relay, with an optional caption. A
 * pointer carries everything needed to fetch, check and decrypt its blob, and
 * what the UI shows before it does. Browser-safe.
 */
import { z } from 'zod';
import { MAX_ATTACHMENT_BYTES } from '../attachment/sizes.js';
import { fromBase64, toBase64 } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';
import { blobIdSchema } from '../wire/blobs.js';
import { base64Bytes, timestampSchema } from '../wire/primitives.js';
import type { AttachmentContent, AttachmentPointer } from './types.js';

/** Most attachments in one message. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;
/** Longest file name, in UTF-16 code units. */
export const MAX_ATTACHMENT_FILE_NAME_LENGTH = 255;
/** Largest inline thumbnail (bytes, before base64). */
export const MAX_ATTACHMENT_THUMBNAIL_BYTES = 4096;
/** Largest image side a pointer may state, in pixels. */
export const MAX_ATTACHMENT_DIMENSION = 65_535;
/** Longest voice note, in milliseconds (one hour). */
export const MAX_VOICE_NOTE_DURATION_MS = 3_600_000;
/** Thumbnail image types (the recipient shows them as such, never runs them). */
export const ATTACHMENT_THUMBNAIL_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
/**
 * A MIME type as the sender's app judged it, lowercase, without parameters.
 * The recipient treats it as a hint: it never opens a file by it.
 */
export const MIME_TYPE_PATTERN = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

// Control characters (C0, DEL, C1), path separators and lone surrogates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const FORBIDDEN_IN_FILE_NAME = /[\u0000-\u001f\u007f-\u009f/\\\uD800-\uDFFF]/u;

/** A file name to suggest when saving: no folders, no control characters, not "." or "..". */
const fileNameSchema = z
  .string()
  .min(1)
  .max(MAX_ATTACHMENT_FILE_NAME_LENGTH)
  .refine(
    (name) => !FORBIDDEN_IN_FILE_NAME.test(name) && name !== '.' && name !== '..',
    'must be a bare file name (no / or \\, no control characters, not . or ..)',
  );

const dimensionSchema = z.number().int().min(1).max(MAX_ATTACHMENT_DIMENSION);

export const attachmentPointerWireSchema = z
  .strictObject({
    blobId: blobIdSchema,
    /** AES-256 key || HMAC-SHA256 key. */
    key: base64Bytes(64, 64),
    /** SHA-256 of the whole blob. */
    digest: base64Bytes(32, 32),
    /** Plaintext bytes. */
    size: z.number().int().min(0).max(MAX_ATTACHMENT_BYTES),
    contentType: z.string().regex(MIME_TYPE_PATTERN, 'must be a lowercase MIME type without parameters'),
    fileName: fileNameSchema.optional(),
    width: dimensionSchema.optional(),
    height: dimensionSchema.optional(),
    thumbnail: z
      .strictObject({
        contentType: z.enum(ATTACHMENT_THUMBNAIL_TYPES),
        data: base64Bytes(1, MAX_ATTACHMENT_THUMBNAIL_BYTES),
      })
      .optional(),
    voiceNote: z.strictObject({ durationMs: z.number().int().min(1).max(MAX_VOICE_NOTE_DURATION_MS) }).optional(),
  })
  .refine((pointer) => (pointer.width === undefined) === (pointer.height === undefined), {
    message: 'width and height go together',
  });

export type AttachmentPointerWire = z.infer<typeof attachmentPointerWireSchema>;

/** The attachment message schema, built by schema.ts (which owns the shared fields). */
export function attachmentWireShape(common: {
  version: z.ZodLiteral<number>;
  id: z.ZodType<string>;
  text: z.ZodType<string>;
}) {
  return z.strictObject({
    v: common.version,
    type: z.literal('attachment'),
    id: common.id,
    sentAt: timestampSchema,
    attachments: z.array(attachmentPointerWireSchema).min(1).max(MAX_ATTACHMENTS_PER_MESSAGE),
    caption: common.text.optional(),
    groupId: common.id.optional(),
    quotedMessageId: common.id.optional(),
  });
}

function bytesField(value: unknown, what: string): string {
  if (!(value instanceof Uint8Array)) throw invalidInput(CryptoErrorCode.InvalidContent, `${what} must be bytes`);
  return toBase64(value);
}

function pointerToWire(pointer: AttachmentPointer): AttachmentPointerWire {
  if (pointer === null || typeof pointer !== 'object') {
    throw invalidInput(CryptoErrorCode.InvalidContent, 'an attachment pointer must be an object');
  }
  return {
    blobId: pointer.blobId,
    key: bytesField(pointer.key, 'an attachment key'),
    digest: bytesField(pointer.digest, 'an attachment digest'),
    size: pointer.size,
    contentType: pointer.contentType,
    ...(pointer.fileName === undefined ? {} : { fileName: pointer.fileName }),
    ...(pointer.width === undefined ? {} : { width: pointer.width }),
    ...(pointer.height === undefined ? {} : { height: pointer.height }),
    ...(pointer.thumbnail === undefined
      ? {}
      : {
          thumbnail: {
            contentType: pointer.thumbnail.contentType,
            data: bytesField(pointer.thumbnail.data, 'a thumbnail'),
          },
        }),
    ...(pointer.voiceNote === undefined ? {} : { voiceNote: { durationMs: pointer.voiceNote.durationMs } }),
  };
}

function pointerFromWire(wire: AttachmentPointerWire): AttachmentPointer {
  return {
    blobId: wire.blobId,
    key: fromBase64(wire.key),
    digest: fromBase64(wire.digest),
    size: wire.size,
    contentType: wire.contentType,
    ...(wire.fileName === undefined ? {} : { fileName: wire.fileName }),
    ...(wire.width === undefined ? {} : { width: wire.width }),
    ...(wire.height === undefined ? {} : { height: wire.height }),
    ...(wire.thumbnail === undefined
      ? {}
      : { thumbnail: { contentType: wire.thumbnail.contentType, data: fromBase64(wire.thumbnail.data) } }),
    ...(wire.voiceNote === undefined ? {} : { voiceNote: { durationMs: wire.voiceNote.durationMs } }),
  };
}

/** The message in its wire form, keys in the documented order (the schema checks it after). */
export function attachmentContentToWire(content: AttachmentContent, version: number): Record<string, unknown> {
  if (!Array.isArray(content.attachments)) {
    throw invalidInput(CryptoErrorCode.InvalidContent, 'attachments must be a list');
  }
  return {
    v: version,
    type: 'attachment',
    id: content.id,
    sentAt: content.sentAt,
    attachments: content.attachments.map(pointerToWire),
    caption: content.caption,
    groupId: content.groupId,
    quotedMessageId: content.quotedMessageId,
  };
}

export function attachmentContentFromWire(wire: {
  id: string;
  sentAt: number;
  attachments: AttachmentPointerWire[];
  caption?: string | undefined;
  groupId?: string | undefined;
  quotedMessageId?: string | undefined;
}): AttachmentContent {
  return {
    type: 'attachment',
    id: wire.id,
    sentAt: wire.sentAt,
    attachments: wire.attachments.map(pointerFromWire),
    ...(wire.caption === undefined ? {} : { caption: wire.caption }),
    ...(wire.groupId === undefined ? {} : { groupId: wire.groupId }),
    ...(wire.quotedMessageId === undefined ? {} : { quotedMessageId: wire.quotedMessageId }),
  };
}
