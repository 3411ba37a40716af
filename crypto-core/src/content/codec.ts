/**
 * encodeContent / decodeContent: content <-> padded UTF-8 JSON
 * (docs/protocol.md §Content). Browser-safe: zod and our own encodings only.
 *
 * Why JSON: content is small, the relay never sees it, and padding already
 * rounds sizes up, so a binary format would save little; JSON validated by
 * strict zod schemas is what every other Parley wire format uses, so a second
 * implementation needs no new tooling and the schemas are the spec.
 */
import type { z } from 'zod';
import { type Bytes, fromBase64, fromUtf8, toBase64, utf8, uuidFromBytes, uuidToBytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput, type ParleyCryptoError } from '../errors.js';
import { timestampSchema } from '../wire/primitives.js';
import { attachmentContentFromWire, attachmentContentToWire } from './attachment-schema.js';
import {
  CONVERSATION_WIRE_SCHEMAS,
  type ConversationActionContent,
  conversationActionFromWire,
  conversationActionToWire,
  type DeleteWire,
  type EditWire,
  type ExpireTimerWire,
  type ReactionWire,
  type TextV2Wire,
  textV2WireSchema,
} from './conversation.js';
import { padContent, unpadContent } from './padding.js';
import {
  CONTENT_VERSION,
  CONTENT_WIRE_SCHEMAS,
  type ContentWire,
  contentEnvelopeSchema,
  type GroupWire,
  isKnownContentType,
  type ProfileWire,
  UUID_PATTERN,
} from './schema.js';
import { senderKeyRequestFromWire, senderKeyRequestToWire } from './sender-key-request.js';
import type { Content, GroupContent, KnownContent, ProfileContent, UnsupportedContent } from './types.js';

function invalidContent(message: string, cause?: unknown): ParleyCryptoError<'INVALID_CONTENT'> {
  return invalidInput(CryptoErrorCode.InvalidContent, message, cause);
}

function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'schema mismatch';
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
  return `${path}: ${issue.message}`;
}

function bytesToWire(value: unknown, what: string): string {
  if (!(value instanceof Uint8Array)) throw invalidContent(`${what} must be bytes`);
  return toBase64(value);
}

/** Change ids as the wire lists them: sorted, 16 bytes each, base64. */
function haveToWire(ids: readonly string[]): string {
  if (!Array.isArray(ids)) throw invalidContent('have must be a list of change ids');
  const sorted = [...ids].sort();
  const out = new Uint8Array(16 * sorted.length);
  sorted.forEach((id, index) => {
    if (typeof id !== 'string' || !UUID_PATTERN.test(id)) throw invalidContent('have lists change ids (UUIDs)');
    if (index > 0 && sorted[index - 1] === id) throw invalidContent('have lists a change id twice');
    out.set(uuidToBytes(id), 16 * index);
  });
  return toBase64(out);
}

function haveFromWire(wire: string): string[] {
  const ids = fromBase64(wire);
  const out: string[] = [];
  for (let offset = 0; offset < ids.byteLength; offset += 16)
    out.push(uuidFromBytes(ids.subarray(offset, offset + 16)));
  return out;
}

/** Group control in its wire form (bytes as base64), as the desktop engine also holds it. */
export function groupContentToWire(content: GroupContent): GroupWire {
  if (!Array.isArray(content.changes)) throw invalidContent('changes must be a list');
  if (content.digest === null || typeof content.digest !== 'object') throw invalidContent('digest must be an object');
  return {
    v: CONTENT_VERSION,
    type: 'group',
    groupId: content.groupId,
    kind: content.kind,
    changes: content.changes.map((change) => ({
      body: bytesToWire(change?.body, 'a change body'),
      signature: bytesToWire(change?.signature, 'a change signature'),
    })),
    digest: { count: content.digest.count, sha256: bytesToWire(content.digest.sha256, 'the digest') },
    ...(content.have === undefined ? {} : { have: haveToWire(content.have) }),
  };
}

export function groupContentFromWire(wire: GroupWire): GroupContent {
  return {
    type: 'group',
    groupId: wire.groupId,
    kind: wire.kind,
    changes: wire.changes.map((change) => ({ body: fromBase64(change.body), signature: fromBase64(change.signature) })),
    digest: { count: wire.digest.count, sha256: fromBase64(wire.digest.sha256) },
    ...(wire.have === undefined ? {} : { have: haveFromWire(wire.have) }),
  };
}

/**
 * The schema for a type at a version, or undefined when this build does not
 * know that pair (an unknown type, or a version newer than the type's
 * newest): such content is unsupported, not malformed.
 */
function schemaFor(type: string, version: number): z.ZodType | undefined {
  if (type === 'text' && version === 2) return textV2WireSchema;
  if (version !== CONTENT_VERSION) return undefined;
  if (isKnownContentType(type)) return CONTENT_WIRE_SCHEMAS[type];
  if (Object.hasOwn(CONVERSATION_WIRE_SCHEMAS, type)) {
    return CONVERSATION_WIRE_SCHEMAS[type as ConversationActionContent['type']];
  }
  return undefined;
}

/** The JSON object for `content`, keys in the documented order, optional keys left out when absent. */
function toWire(content: KnownContent): Record<string, unknown> {
  switch (content.type) {
    case 'text': {
      const text = {
        v: CONTENT_VERSION,
        type: 'text',
        id: content.id,
        sentAt: content.sentAt,
        body: content.body,
        groupId: content.groupId,
        quotedMessageId: content.quotedMessageId,
      };
      // The lowest version that describes it: 2 only for a reply's quote, a timer or mentions.
      if (content.quote === undefined && content.expireTimer === undefined && content.mentions === undefined) {
        return text;
      }
      return { ...text, v: 2, quote: content.quote, expireTimer: content.expireTimer, mentions: content.mentions };
    }
    case 'reaction':
    case 'edit':
    case 'delete':
    case 'expire-timer':
      return conversationActionToWire(content);
    case 'receipt':
      return {
        v: CONTENT_VERSION,
        type: 'receipt',
        kind: content.kind,
        messageIds: content.messageIds,
        sentAt: content.sentAt,
      };
    case 'typing':
      return {
        v: CONTENT_VERSION,
        type: 'typing',
        action: content.action,
        sentAt: content.sentAt,
        groupId: content.groupId,
      };
    case 'group':
      return groupContentToWire(content);
    case 'sender-key':
      return {
        v: CONTENT_VERSION,
        type: 'sender-key',
        groupId: content.groupId,
        senderKeyDistribution: bytesToWire(content.senderKeyDistribution, 'senderKeyDistribution'),
      };
    case 'session-reset':
      return { v: CONTENT_VERSION, type: 'session-reset', id: content.id, sentAt: content.sentAt };
    case 'profile':
      return profileToWire(content);
    case 'attachment':
      return attachmentContentToWire(content, CONTENT_VERSION);
    case 'sender-key-request':
      return senderKeyRequestToWire(content);
    default:
      throw invalidContent('unknown content type', { type: (content as { type?: unknown }).type });
  }
}

/** A profile in its wire form (bytes as base64), as the desktop engine also holds it. */
export function profileToWire(content: ProfileContent): ProfileWire {
  if (!(content.accessKey instanceof Uint8Array)) throw invalidContent('accessKey must be bytes');
  if (content.avatar !== undefined && !(content.avatar.data instanceof Uint8Array)) {
    throw invalidContent('avatar data must be bytes');
  }
  return {
    v: CONTENT_VERSION,
    type: 'profile',
    accessKey: toBase64(content.accessKey),
    ...(content.relayUrl === undefined ? {} : { relayUrl: content.relayUrl }),
    ...(content.name === undefined ? {} : { name: content.name }),
    ...(content.avatar === undefined
      ? {}
      : { avatar: { contentType: content.avatar.contentType, data: toBase64(content.avatar.data) } }),
  };
}

export function profileFromWire(wire: ProfileWire): ProfileContent {
  return {
    type: 'profile',
    accessKey: fromBase64(wire.accessKey),
    ...(wire.relayUrl === undefined ? {} : { relayUrl: wire.relayUrl }),
    ...(wire.name === undefined ? {} : { name: wire.name }),
    ...(wire.avatar === undefined
      ? {}
      : { avatar: { contentType: wire.avatar.contentType, data: fromBase64(wire.avatar.data) } }),
  };
}

type AnyWire = ContentWire | TextV2Wire | ReactionWire | EditWire | DeleteWire | ExpireTimerWire;

function fromWire(wire: AnyWire): KnownContent {
  switch (wire.type) {
    case 'text': {
      const v2 = wire.v === 2 ? wire : undefined;
      return {
        type: 'text',
        id: wire.id,
        sentAt: wire.sentAt,
        body: wire.body,
        ...(wire.groupId === undefined ? {} : { groupId: wire.groupId }),
        ...(wire.quotedMessageId === undefined ? {} : { quotedMessageId: wire.quotedMessageId }),
        ...(v2?.quote === undefined ? {} : { quote: v2.quote }),
        ...(v2?.expireTimer === undefined ? {} : { expireTimer: v2.expireTimer }),
        ...(v2?.mentions === undefined ? {} : { mentions: v2.mentions }),
      };
    }
    case 'reaction':
    case 'edit':
    case 'delete':
    case 'expire-timer':
      return conversationActionFromWire(wire);
    case 'receipt':
      return { type: 'receipt', kind: wire.kind, messageIds: wire.messageIds, sentAt: wire.sentAt };
    case 'typing':
      return {
        type: 'typing',
        action: wire.action,
        sentAt: wire.sentAt,
        ...(wire.groupId === undefined ? {} : { groupId: wire.groupId }),
      };
    case 'group':
      return groupContentFromWire(wire);
    case 'sender-key':
      return {
        type: 'sender-key',
        groupId: wire.groupId,
        senderKeyDistribution: fromBase64(wire.senderKeyDistribution),
      };
    case 'session-reset':
      return { type: 'session-reset', id: wire.id, sentAt: wire.sentAt };
    case 'profile':
      return profileFromWire(wire);
    case 'attachment':
      return attachmentContentFromWire(wire);
    case 'sender-key-request':
      return senderKeyRequestFromWire(wire);
  }
}

/**
 * Validates `content`, serializes it as compact UTF-8 JSON and pads it to its
 * bucket. Throws INVALID_CONTENT when the content breaks its schema (the
 * encoder never writes what a decoder would refuse) and CONTENT_TOO_LARGE when
 * it does not fit the largest bucket.
 */
export function encodeContent(content: KnownContent): Bytes {
  if (content === null || typeof content !== 'object') throw invalidContent('content must be an object');
  const wire = toWire(content);
  const type = wire.type;
  const schema = typeof type === 'string' ? schemaFor(type, Number(wire.v)) : undefined;
  if (schema === undefined) throw invalidContent('unknown content type');
  const checked = schema.safeParse(wire);
  if (!checked.success)
    throw invalidContent(`invalid ${type} content: ${describeIssues(checked.error)}`, checked.error);
  return padContent(utf8(JSON.stringify(wire)));
}

function unsupported(
  envelope: Record<string, unknown>,
  version: number,
  contentType: string,
  encoded: Bytes,
): UnsupportedContent {
  const id = envelope.id;
  const sentAt = timestampSchema.safeParse(envelope.sentAt);
  return {
    type: 'unsupported',
    version,
    contentType,
    ...(typeof id === 'string' && UUID_PATTERN.test(id) ? { messageId: id } : {}),
    ...(sentAt.success ? { sentAt: sentAt.data } : {}),
    encoded,
  };
}

/**
 * Unpads and decodes content. Well-formed content of a newer version or an
 * unknown type comes back as `{ type: 'unsupported' }`; anything malformed
 * (bad padding, bad UTF-8, bad JSON, schema violation) throws INVALID_CONTENT.
 */
export function decodeContent(padded: Uint8Array): Content {
  if (!(padded instanceof Uint8Array)) throw invalidContent('content must be bytes');
  const encoded = unpadContent(padded);
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(encoded));
  } catch (error) {
    throw invalidContent('content is not UTF-8 JSON', error);
  }
  const envelope = contentEnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    throw invalidContent(`content is not a versioned object: ${describeIssues(envelope.error)}`, envelope.error);
  }
  const { v: version, type } = envelope.data;
  const schema = schemaFor(type, version);
  if (schema === undefined) return unsupported(envelope.data, version, type, encoded);
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalidContent(`invalid ${type} content: ${describeIssues(parsed.error)}`, parsed.error);
  try {
    return fromWire(parsed.data as AnyWire);
  } catch (error) {
    // Only base64 decoding can throw here, and the schema already checked it.
    throw invalidContent('content bytes field is not canonical base64', error);
  }
}
