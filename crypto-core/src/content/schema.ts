/**
 * The JSON shapes of content format version 1, as they appear inside a Signal
 * message before padding (docs/protocol.md §Content). One zod schema per type;
 * every object is strict (unknown keys are refused), so a field added later
 * must come with a higher `v` (which older decoders report as unsupported).
 * Browser-safe.
 */
import { z } from 'zod';
import { fromBase64, uuidFromBytes } from '../encoding.js';
import { MAX_GROUP_CHANGE_BODY_BYTES, MAX_LISTED_GROUP_CHANGE_IDS, MAX_STORED_GROUP_CHANGES } from '../group/limits.js';
import { accessKeySchema } from '../wire/access-key.js';
import { base64Bytes, signatureSchema, timestampSchema } from '../wire/primitives.js';
import { attachmentWireShape } from './attachment-schema.js';

/** The content format version this build writes and fully understands. */
export const CONTENT_VERSION = 1;

/** Most message ids one receipt acknowledges. */
export const MAX_RECEIPT_MESSAGE_IDS = 1000;
/** Largest serialized SenderKeyDistributionMessage accepted (libsignal's are ~100 bytes). */
export const MAX_SENDER_KEY_DISTRIBUTION_BYTES = 2048;

/** `type` values: lowercase ASCII words joined by hyphens, so new ones can follow the same rule. */
export const CONTENT_TYPE_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;

/**
 * Lowercase canonical UUIDs (RFC 9562 versions 1-8). Lowercase only, so one id
 * has one spelling and de-duplication by string equality is sound.
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const uuidSchema = z.string().regex(UUID_PATTERN, 'must be a lowercase RFC 9562 UUID');

// JSON can spell lone UTF-16 surrogates ("\ud800"), which no UTF-8 text can hold
// and which re-encode differently across platforms; refuse them.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/** A string of `min`..`max` UTF-16 code units holding no lone surrogate (content and group changes). */
export function wellFormedText(min: number, max?: number) {
  const base = max === undefined ? z.string().min(min) : z.string().min(min).max(max);
  return base.refine((value) => !LONE_SURROGATE.test(value), 'must not contain lone surrogates');
}

const senderKeyDistributionSchema = base64Bytes(1, MAX_SENDER_KEY_DISTRIBUTION_BYTES);

const versionField = z.literal(CONTENT_VERSION);

export const textWireSchema = z.strictObject({
  v: versionField,
  type: z.literal('text'),
  id: uuidSchema,
  sentAt: timestampSchema,
  body: wellFormedText(1),
  groupId: uuidSchema.optional(),
  quotedMessageId: uuidSchema.optional(),
});

export const receiptWireSchema = z.strictObject({
  v: versionField,
  type: z.literal('receipt'),
  kind: z.enum(['delivery', 'read']),
  messageIds: z.array(uuidSchema).min(1).max(MAX_RECEIPT_MESSAGE_IDS),
  sentAt: timestampSchema,
});

export const typingWireSchema = z.strictObject({
  v: versionField,
  type: z.literal('typing'),
  action: z.enum(['started', 'stopped']),
  sentAt: timestampSchema,
  groupId: uuidSchema.optional(),
});

const signedGroupChangeSchema = z.strictObject({
  body: base64Bytes(1, MAX_GROUP_CHANGE_BODY_BYTES),
  signature: signatureSchema,
});

/** Change ids as 16-byte UUIDs one after another, strictly ascending (so each is listed once). */
function isAscendingUuidList(value: string): boolean {
  let ids: Uint8Array;
  try {
    ids = fromBase64(value);
  } catch {
    return false;
  }
  if (ids.byteLength % 16 !== 0) return false;
  let previous = '';
  for (let offset = 0; offset < ids.byteLength; offset += 16) {
    const id = uuidFromBytes(ids.subarray(offset, offset + 16));
    if (!UUID_PATTERN.test(id) || id <= previous) return false;
    previous = id;
  }
  return true;
}

/**
 * Group control (docs/protocol.md §10): what kind of message it is, signed
 * changes, the digest of the sender's whole set and, when it holds at most
 * MAX_LISTED_GROUP_CHANGE_IDS, the ids of every change it holds. The bodies
 * are checked by the group module (signature first), not here.
 */
export const groupWireSchema = z
  .strictObject({
    v: versionField,
    type: z.literal('group'),
    groupId: uuidSchema,
    kind: z.enum(['update', 'answer', 'sync']),
    changes: z.array(signedGroupChangeSchema).max(MAX_STORED_GROUP_CHANGES),
    digest: z.strictObject({
      count: z.number().int().min(0).max(MAX_STORED_GROUP_CHANGES),
      sha256: base64Bytes(32, 32),
    }),
    have: base64Bytes(16, 16 * MAX_LISTED_GROUP_CHANGE_IDS)
      .refine(isAscendingUuidList, 'must be 16-byte change ids in ascending order')
      .optional(),
  })
  .refine(
    (group) => (group.kind === 'sync') === (group.changes.length === 0),
    'a sync carries no changes, an update or answer at least one',
  );

export const senderKeyWireSchema = z.strictObject({
  v: versionField,
  type: z.literal('sender-key'),
  groupId: uuidSchema,
  senderKeyDistribution: senderKeyDistributionSchema,
});

/**
 * Asks the recipient to re-send what it sent and never saw delivered: the
 * sender could not decrypt something (e.g. after restoring a backup, with no
 * old sessions) and has started a fresh session. Added within version 1: a
 * decoder that predates it reports an unknown type as unsupported.
 */
export const sessionResetWireSchema = z.strictObject({
  v: versionField,
  type: z.literal('session-reset'),
  id: uuidSchema,
  sentAt: timestampSchema,
});

/** Longest display name in a profile, in UTF-16 code units. */
export const MAX_PROFILE_NAME_LENGTH = 100;
/** Largest avatar image in a profile (bytes, before base64). */
export const MAX_PROFILE_AVATAR_BYTES = 32 * 1024;
/** Longest relay URL in a profile. */
export const MAX_PROFILE_RELAY_URL_LENGTH = 2048;
/** Image types an avatar may have (the recipient shows it as such, never runs it). */
export const PROFILE_AVATAR_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;

/**
 * What the sender tells a contact about itself (docs/protocol.md §4.7, §4.9):
 * the contact access key that reaches it, the canonical URL of its home relay
 * (where its sender certificates come from, so a recipient who has never met
 * it knows which trust root to check them under), and its display name and
 * avatar. Sent when a contact is added or accepted and again whenever any of
 * it changes; each profile replaces the one before. Added within version 1
 * (the optional fields too, before any client sent a profile without them
 * to anyone but itself): a decoder that predates the type reports it as
 * unsupported.
 */
export const profileWireSchema = z.strictObject({
  v: versionField,
  type: z.literal('profile'),
  accessKey: accessKeySchema,
  relayUrl: z.string().min(1).max(MAX_PROFILE_RELAY_URL_LENGTH).optional(),
  name: wellFormedText(1, MAX_PROFILE_NAME_LENGTH).optional(),
  avatar: z
    .strictObject({
      contentType: z.enum(PROFILE_AVATAR_TYPES),
      data: base64Bytes(1, MAX_PROFILE_AVATAR_BYTES),
    })
    .optional(),
});

/**
 * One or more attachments, with an optional caption (docs/protocol.md §11.2).
 * Added within version 1: a decoder that predates it reports it as unsupported.
 */
export const attachmentWireSchema = attachmentWireShape({
  version: versionField,
  id: uuidSchema,
  text: wellFormedText(1),
});

/**
 * Sender-key repair (docs/protocol.md §10): asks a member for its sender key
 * of a group again, naming the chain an undecryptable group message named.
 * Added within version 1 as a new type (sender-key-request.ts).
 */
export const senderKeyRequestWireSchema = z.strictObject({
  v: versionField,
  type: z.literal('sender-key-request'),
  groupId: uuidSchema,
  distributionId: uuidSchema,
});

/** Every type version 1 knows, by its `type` value. */
export const CONTENT_WIRE_SCHEMAS = {
  text: textWireSchema,
  receipt: receiptWireSchema,
  typing: typingWireSchema,
  group: groupWireSchema,
  'sender-key': senderKeyWireSchema,
  'session-reset': sessionResetWireSchema,
  profile: profileWireSchema,
  attachment: attachmentWireSchema,
  'sender-key-request': senderKeyRequestWireSchema,
} as const;

export type KnownContentType = keyof typeof CONTENT_WIRE_SCHEMAS;

export function isKnownContentType(type: string): type is KnownContentType {
  return Object.hasOwn(CONTENT_WIRE_SCHEMAS, type);
}

/**
 * What every content, of any version, must be to count as well-formed: a JSON
 * object with an integer `v` >= 1 and a `type` string. Other keys are left to
 * the per-type schema (or to a newer decoder).
 */
export const contentEnvelopeSchema = z.looseObject({
  v: z.number().int().min(1).max(0x7fffffff),
  type: z.string().regex(CONTENT_TYPE_PATTERN),
});

export type TextWire = z.infer<typeof textWireSchema>;
export type ReceiptWire = z.infer<typeof receiptWireSchema>;
export type TypingWire = z.infer<typeof typingWireSchema>;
export type GroupWire = z.infer<typeof groupWireSchema>;
export type SenderKeyWire = z.infer<typeof senderKeyWireSchema>;
export type SessionResetWire = z.infer<typeof sessionResetWireSchema>;
export type ProfileWire = z.infer<typeof profileWireSchema>;
export type AttachmentWire = z.infer<typeof attachmentWireSchema>;
export type SenderKeyRequestWire = z.infer<typeof senderKeyRequestWireSchema>;
export type ContentWire =
  | TextWire
  | ReceiptWire
  | TypingWire
  | GroupWire
  | SenderKeyWire
  | SessionResetWire
  | ProfileWire
  | AttachmentWire
  | SenderKeyRequestWire;
