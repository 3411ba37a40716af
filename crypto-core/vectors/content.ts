/** Content encoding and padding (docs/protocol.md §6). */
import { decodeContent, encodeContent } from '../src/content/codec.js';
import { paddedContentLength } from '../src/content/padding.js';
import type { KnownContent } from '../src/content/types.js';
import { concatBytes, fromBase64, fromUtf8, toBase64, toHex, utf8, uuidToBytes } from '../src/encoding.js';
import { refusal, refusalCode } from './refusal.js';
import type { ContentInput, ContentVectors } from './types.js';

/**
 * Content fields that hold bytes; the vector files give them as base64. A
 * path `a[].b` is field `b` of each object in the list `a`; `a.b` is field `b`
 * of the object `a`.
 */
export const CONTENT_BYTES_FIELDS = [
  'senderKeyDistribution',
  'accessKey',
  'changes[].body',
  'changes[].signature',
  'digest.sha256',
] as const;

const ID = '018f2c1e-7a3b-7c4d-8e5f-0123456789ab';
const ID2 = '018f2c1e-7a3b-7c4d-8e5f-0123456789ac';
const GROUP = '6f1c1f2e-0b7a-4c3d-9e8f-00112233aabb';
const SENT_AT = 1732780800000;
const ACCESS_KEY = toBase64(Uint8Array.from({ length: 16 }, (_, i) => (i * 29 + 5) & 0xff));
const DISTRIBUTION = toBase64(Uint8Array.from({ length: 48 }, (_, i) => (i * 7 + 3) & 0xff));
const SIGNATURE = toBase64(Uint8Array.from({ length: 64 }, (_, i) => (i * 11 + 1) & 0xff));
const DIGEST = { count: 2, sha256: toBase64(Uint8Array.from({ length: 32 }, (_, i) => (i * 13 + 7) & 0xff)) };
const CHANGE_BODY = toBase64(utf8('{"v":1,"action":"leave"}'));
const AUTHOR = 'abcdefghijklmnopqrstuvwxyz234567';

function withField(item: unknown, field: string, convert: (value: unknown) => unknown): unknown {
  if (item === null || typeof item !== 'object' || !(field in item)) return item;
  return { ...item, [field]: convert((item as Record<string, unknown>)[field]) };
}

/** Applies `convert` to every bytes field `CONTENT_BYTES_FIELDS` names in `input` (a copy). */
function mapBytesFields(input: object, convert: (value: unknown) => unknown): Record<string, unknown> {
  const content: Record<string, unknown> = { ...input };
  for (const path of CONTENT_BYTES_FIELDS) {
    const [key, field] = path.split(/\[\]\.|\./) as [string, string | undefined];
    const value = content[key];
    if (field === undefined) {
      if (key in content) content[key] = convert(value);
    } else if (path.includes('[].')) {
      if (Array.isArray(value)) content[key] = value.map((item) => withField(item, field, convert));
    } else if (value !== undefined) {
      content[key] = withField(value, field, convert);
    }
  }
  return content;
}

/** A content object of the vector files as the API takes it: base64 fields become bytes. */
export function contentFromVector(input: ContentInput): KnownContent {
  return mapBytesFields(input, (value) =>
    typeof value === 'string' ? fromBase64(value) : value,
  ) as unknown as KnownContent;
}

/** The reverse of contentFromVector, for decoded content. */
export function contentToVector(content: object): ContentInput {
  return mapBytesFields(content, (value) => (value instanceof Uint8Array ? toBase64(value) : value));
}

function text(body: string): ContentInput {
  return { type: 'text', id: ID, sentAt: SENT_AT, body };
}

/** A text whose encoding is exactly `length` bytes (ASCII body). */
function textOfEncodedLength(length: number): ContentInput {
  const overhead = encodeText('').byteLength;
  return text('x'.repeat(length - overhead));
}

function encodeText(body: string): Uint8Array {
  return utf8(JSON.stringify({ v: 1, type: 'text', id: ID, sentAt: SENT_AT, body }));
}

const VALID: readonly (readonly [name: string, content: ContentInput])[] = [
  ['text (the protocol.md §9 example)', text('Hi')],
  [
    'text in a group, quoting, non-ASCII and escaped characters',
    {
      type: 'text',
      id: ID,
      sentAt: SENT_AT,
      body: 'Grüße 👋\n"quoted" \\ tab\t\u0001 line\u2028separator',
      groupId: GROUP,
      quotedMessageId: ID2,
    },
  ],
  ['text of 159 encoded bytes: the last that fits 160', textOfEncodedLength(159)],
  ['text of 160 encoded bytes: the first of 256', textOfEncodedLength(160)],
  ['text of 300 encoded bytes', textOfEncodedLength(300)],
  [
    'text version 2: a reply with its quote and a timer',
    {
      type: 'text',
      id: ID,
      sentAt: SENT_AT,
      body: 'Sure',
      quote: { id: ID2, author: AUTHOR, text: 'Lunch at noon?' },
      expireTimer: 3600,
    },
  ],
  ['text version 2: a timer only', { type: 'text', id: ID, sentAt: SENT_AT, body: 'Hi', expireTimer: 30 }],
  [
    'text version 2: mentions in a group (UTF-16 ranges, after an emoji)',
    {
      type: 'text',
      id: ID,
      sentAt: SENT_AT,
      body: '👋 @Bob and @Ana',
      groupId: GROUP,
      mentions: [
        { start: 3, length: 4, accountId: AUTHOR },
        { start: 12, length: 4, accountId: 'bcdefghijklmnopqrstuvwxyz2345672' },
      ],
    },
  ],
  [
    'reaction (set or change)',
    { type: 'reaction', id: ID, sentAt: SENT_AT, targetMessageId: ID2, targetAuthor: AUTHOR, emoji: '👍🏽' },
  ],
  [
    'reaction removed, in a group',
    { type: 'reaction', id: ID, sentAt: SENT_AT, targetMessageId: ID2, targetAuthor: AUTHOR, groupId: GROUP },
  ],
  ['edit', { type: 'edit', id: ID, sentAt: SENT_AT, targetMessageId: ID2, body: 'Hi there', editNumber: 1 }],
  ['delete for everyone', { type: 'delete', id: ID, sentAt: SENT_AT, targetMessageId: ID2 }],
  ['expire-timer set to one week', { type: 'expire-timer', id: ID, sentAt: SENT_AT, seconds: 604800 }],
  ['expire-timer off', { type: 'expire-timer', id: ID, sentAt: SENT_AT, seconds: 0 }],
  ['delivery receipt', { type: 'receipt', kind: 'delivery', messageIds: [ID, ID2], sentAt: SENT_AT }],
  ['read receipt', { type: 'receipt', kind: 'read', messageIds: [ID], sentAt: SENT_AT }],
  ['typing started, direct', { type: 'typing', action: 'started', sentAt: SENT_AT }],
  ['typing stopped, in a group', { type: 'typing', action: 'stopped', sentAt: SENT_AT, groupId: GROUP }],
  [
    'group update with the ids the sender holds',
    {
      type: 'group',
      groupId: GROUP,
      kind: 'update',
      changes: [{ body: CHANGE_BODY, signature: SIGNATURE }],
      digest: DIGEST,
      have: [ID, ID2],
    },
  ],
  [
    'group answer without the id list',
    {
      type: 'group',
      groupId: GROUP,
      kind: 'answer',
      changes: [{ body: CHANGE_BODY, signature: SIGNATURE }],
      digest: DIGEST,
    },
  ],
  ['group sync', { type: 'group', groupId: GROUP, kind: 'sync', changes: [], digest: DIGEST, have: [ID] }],
  ['sender-key', { type: 'sender-key', groupId: GROUP, senderKeyDistribution: DISTRIBUTION }],
  ['session-reset', { type: 'session-reset', id: ID, sentAt: SENT_AT }],
  ['profile with a contact access key', { type: 'profile', accessKey: ACCESS_KEY }],
  [
    'profile with home relay and display name',
    { type: 'profile', accessKey: ACCESS_KEY, relayUrl: 'https://relay.example.org', name: 'Zoë Ångström' },
  ],
];

/** JSON text, padded as a sender would: `text || 0x80 || zeros` to `size` bytes. */
function padded(json: string, size = 160): string {
  const encoded = utf8(json);
  const out = new Uint8Array(size);
  out.set(encoded);
  out[encoded.byteLength] = 0x80;
  return toHex(out);
}

const HI = `{"v":1,"type":"text","id":"${ID}","sentAt":${SENT_AT},"body":"Hi"}`;

const INVALID_DECODE: readonly (readonly [paddedHex: string, reason: string])[] = [
  [padded(HI).slice(0, -2), 'length 159 is not a bucket size'],
  [toHex(new Uint8Array(160)), 'all zeros: no 0x80 marker'],
  [padded(HI).replace(/80(0*)$/, '00$1'), 'the marker is missing: the content is followed by zeros only'],
  [padded(HI).replace(/80(0*)$/, '81$1'), 'the last non-zero byte is 0x81, not 0x80'],
  [padded(HI).replace(/0{2}$/, '01'), 'a non-zero byte after the marker'],
  [`ff${padded('{}').slice(2)}`, 'not UTF-8'],
  [padded('not json'), 'not JSON'],
  [padded('[1]'), 'JSON, but not an object'],
  [padded('{"type":"text"}'), 'no version'],
  [padded('{"v":0,"type":"text"}'), 'version 0'],
  [padded('{"v":"1","type":"text"}'), 'the version is a string'],
  [padded('{"v":1.5,"type":"text"}'), 'the version is not an integer'],
  [padded('{"v":1,"type":"Text"}'), 'an upper-case type'],
  [padded(HI.replace('"body":"Hi"', '"body":"Hi","extra":1')), 'an unknown field in a version-1 text'],
  [padded(HI.replace(ID, ID.toUpperCase())), 'an upper-case UUID'],
  [padded(HI.replace('"Hi"', '""')), 'an empty body'],
  [padded(HI.replace('"Hi"', '"\\ud800"')), 'a lone surrogate in the body'],
  [padded(HI.replace(`${SENT_AT}`, '-1')), 'a negative timestamp'],
  [padded(HI.replace(`${SENT_AT}`, '1732780800000.5')), 'a timestamp that is not an integer'],
  [padded(`{"v":1,"type":"receipt","kind":"read","messageIds":[],"sentAt":${SENT_AT}}`), 'a receipt of no message'],
  [padded(`{"v":1,"type":"typing","action":"paused","sentAt":${SENT_AT}}`), 'an unknown typing action'],
  [
    padded(`{"v":1,"type":"group","id":"${ID}","sentAt":${SENT_AT},"groupId":"${GROUP}","action":"leave"}`),
    'group control in the form replaced before any client sent it',
  ],
  [
    padded(
      `{"v":1,"type":"group","groupId":"${GROUP}","kind":"sync","changes":[{"body":"${CHANGE_BODY}","signature":"${SIGNATURE}"}],"digest":${JSON.stringify(DIGEST)}}`,
      512,
    ),
    'a group sync carrying a change',
  ],
  [
    padded(
      `{"v":1,"type":"group","groupId":"${GROUP}","kind":"update","changes":[{"body":"${CHANGE_BODY}","signature":"${SIGNATURE}"}],"digest":${JSON.stringify(DIGEST)},"have":"${toBase64(concatBytes(uuidToBytes(ID2), uuidToBytes(ID)))}"}`,
      512,
    ),
    'group control listing held ids out of order',
  ],
  [
    padded(`{"v":1,"type":"sender-key","groupId":"${GROUP}","senderKeyDistribution":"AAF="}`),
    'base64 whose unused bits are not zero (not canonical)',
  ],
  [
    padded(`{"v":1,"type":"sender-key","groupId":"${GROUP}","senderKeyDistribution":"AAE"}`),
    'base64 without its padding',
  ],
  [padded('{"v":1,"type":"profile","accessKey":"AAAAAAAAAAAAAAAAAAAA"}'), 'a profile access key of 15 bytes'],
  [padded('{"v":1,"type":"profile","accessKey":"AAAAAAAAAAAAAAAAAAAAAA"}'), 'a profile access key without padding'],
  [padded('{"v":1,"type":"profile","accessKey":"AAAAAAAAAAAAAAAAAAAAAA-_"}'), 'a profile access key in base64url'],
  [padded('{"v":1,"type":"profile"}'), 'a profile without access key'],
  [
    padded(`{"v":2,"type":"text","id":"${ID}","sentAt":${SENT_AT},"body":"Hi","ttl":60}`),
    'a field text version 2 does not define',
  ],
  [
    padded(
      `{"v":1,"type":"text","id":"${ID}","sentAt":${SENT_AT},"body":"Hi","quote":{"id":"${ID2}","author":"${AUTHOR}","text":""}}`,
      256,
    ),
    'a quote in a version-1 text',
  ],
  [
    padded(
      `{"v":2,"type":"text","id":"${ID}","sentAt":${SENT_AT},"body":"@Bob","mentions":[{"start":1,"length":4,"accountId":"${AUTHOR}"}]}`,
      256,
    ),
    'a mention that ends past the body',
  ],
  [
    padded(
      `{"v":1,"type":"text","id":"${ID}","sentAt":${SENT_AT},"body":"@Bob","mentions":[{"start":0,"length":4,"accountId":"${AUTHOR}"}]}`,
      256,
    ),
    'mentions in a version-1 text',
  ],
  [
    padded(`{"v":1,"type":"reaction","id":"${ID}","sentAt":${SENT_AT},"targetMessageId":"${ID2}","emoji":"👍"}`, 256),
    'a reaction without the target author',
  ],
  [
    padded(`{"v":1,"type":"expire-timer","id":"${ID}","sentAt":${SENT_AT},"seconds":45}`),
    'a timer setting that is not one of the listed values',
  ],
  [
    padded(`{"v":1,"type":"profile","accessKey":"${ACCESS_KEY}","nickname":"Bob"}`),
    'a profile field version 1 does not define',
  ],
  [padded(`{"v":1,"type":"profile","accessKey":"${ACCESS_KEY}","name":""}`), 'a profile with an empty name'],
  [
    padded(`{"v":1,"type":"profile","accessKey":"${ACCESS_KEY}","name":"${'n'.repeat(101)}"}`, 256),
    'a profile name longer than 100',
  ],
  [
    padded(
      `{"v":1,"type":"profile","accessKey":"${ACCESS_KEY}","avatar":{"contentType":"image/svg+xml","data":"AA=="}}`,
    ),
    'a profile avatar of a type that is not a plain image',
  ],
];

const INVALID_ENCODE: readonly (readonly [content: ContentInput, reason: string])[] = [
  [{ ...text('Hi'), id: ID.toUpperCase() }, 'an upper-case UUID'],
  [text(''), 'an empty body'],
  [text('\ud800'), 'a lone surrogate in the body'],
  [{ ...text('Hi'), sentAt: -1 }, 'a negative timestamp'],
  [{ type: 'receipt', kind: 'read', messageIds: [], sentAt: SENT_AT }, 'a receipt of no message'],
  [{ type: 'group', groupId: GROUP, kind: 'update', changes: [], digest: DIGEST }, 'a group update carrying no change'],
  [{ type: 'poll', id: ID, sentAt: SENT_AT }, 'a type this version does not know'],
  [{ ...text('Hi'), expireTimer: 60 }, 'a timer that is not one of the listed values'],
  [
    {
      ...text('@Bob @Ana'),
      mentions: [
        { start: 0, length: 4, accountId: AUTHOR },
        { start: 3, length: 4, accountId: AUTHOR },
      ],
    },
    'overlapping mentions',
  ],
  [
    { type: 'reaction', id: ID, sentAt: SENT_AT, targetMessageId: ID2, targetAuthor: AUTHOR, emoji: 'ok' },
    'a reaction that is not an emoji',
  ],
  [{ type: 'edit', id: ID, sentAt: SENT_AT, targetMessageId: ID2, body: 'x', editNumber: 11 }, 'an eleventh edit'],
  [{ type: 'profile', accessKey: toBase64(new Uint8Array(17)) }, 'a profile access key of 17 bytes'],
  [
    {
      type: 'group',
      groupId: GROUP,
      kind: 'update',
      changes: [{ body: CHANGE_BODY, signature: DISTRIBUTION }],
      digest: DIGEST,
    },
    'a group change signature of 48 bytes',
  ],
];

const UNSUPPORTED: readonly (readonly [name: string, json: string])[] = [
  ['a newer version of a known type', `{"v":3,"type":"text","id":"${ID}","sentAt":${SENT_AT},"body":"Hi","ttl":60}`],
  [
    'a newer version of a type version 1 added later',
    `{"v":2,"type":"reaction","id":"${ID}","sentAt":${SENT_AT},"emoji":"👍","burst":3}`,
  ],
  ['an unknown type of version 1', `{"v":1,"type":"poll","id":"${ID}","sentAt":${SENT_AT},"question":"?"}`],
  ['an unknown type without id or time', '{"v":3,"type":"x-future"}'],
];

const PADDING_LENGTHS = [0, 1, 159, 160, 255, 256, 511, 512, 1023, 4096, 32767, 32768, 65534, 65535, 100000];

export function contentVectors(): ContentVectors {
  return {
    description:
      'Content: compact UTF-8 JSON with keys in the documented order, then 0x80 and zeros up to the smallest bucket (160, 256, 512, ... 65536) with room. Content objects are as encodeContent takes them, bytes fields in base64.',
    backs: ['docs/protocol.md §6 Content (Encoding, Decoding, Padding)'],
    bytesFields: CONTENT_BYTES_FIELDS,
    valid: VALID.map(([name, content]) => {
      const bytes = encodeContent(contentFromVector(content));
      const decoded = contentToVector(decodeContent(bytes));
      if (JSON.stringify(decoded) !== JSON.stringify(content)) throw new Error(`${name}: does not decode back`);
      const end = bytes.lastIndexOf(0x80);
      return { name, content, encoded: fromUtf8(bytes.subarray(0, end)), paddedHex: toHex(bytes) };
    }),
    decodeOnly: [
      { name: 'padded into a larger bucket than needed', paddedHex: padded(HI, 512), content: text('Hi') },
    ].map((vector) => ({
      ...vector,
      content: contentToVector(decodeContent(Buffer.from(vector.paddedHex, 'hex'))),
    })),
    unsupported: UNSUPPORTED.map(([name, json]) => {
      const decoded = decodeContent(Buffer.from(padded(json), 'hex'));
      if (decoded.type !== 'unsupported') throw new Error(`${name}: decoded as ${decoded.type}`);
      return {
        name,
        paddedHex: padded(json),
        version: decoded.version,
        contentType: decoded.contentType,
        messageId: decoded.messageId ?? null,
        sentAt: decoded.sentAt ?? null,
        encoded: fromUtf8(decoded.encoded),
      };
    }),
    invalidEncode: INVALID_ENCODE.map(([content, reason]) =>
      refusal(content, reason, (input) => encodeContent(contentFromVector(input))),
    ),
    invalidDecode: INVALID_DECODE.map(([hex, reason]) =>
      refusal(hex, reason, (input) => decodeContent(Buffer.from(input, 'hex'))),
    ),
    padding: PADDING_LENGTHS.map((encodedLength) => {
      try {
        return { encodedLength, paddedLength: paddedContentLength(encodedLength), error: null };
      } catch {
        const error = refusalCode(() => paddedContentLength(encodedLength), `padding ${encodedLength}`);
        return { encodedLength, paddedLength: null, error };
      }
    }),
  };
}
