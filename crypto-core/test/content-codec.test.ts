import { describe, expect, it } from 'vitest';
import {
  type Content,
  decodeContent,
  encodeContent,
  type KnownContent,
  MAX_ENCODED_CONTENT_BYTES,
  MAX_PROFILE_AVATAR_BYTES,
  padContent,
  paddedContentLength,
  unpadContent,
} from '../src/content/index.js';
import { concatBytes, fromUtf8, toBase64, utf8, uuidToBytes } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';

const MESSAGE_ID = '018f2c1e-7a3b-7c4d-8e5f-0123456789ab';
const OTHER_ID = '6f9619ff-8b86-4011-b42d-00c04fc964ff';
const GROUP_ID = '3b241101-e2bb-4255-8caf-4136c566a962';
const SENT_AT = 1_732_780_800_000;
const DISTRIBUTION = Uint8Array.from({ length: 97 }, (_, i) => (i * 37 + 3) & 0xff);
const CHANGE = { body: utf8('{"v":1,"action":"leave"}'), signature: Uint8Array.from({ length: 64 }, (_, i) => i) };
const DIGEST = { count: 2, sha256: new Uint8Array(32).fill(0xab) };

/** Padded bytes of a raw JSON value, bypassing the encoder's own validation. */
function padded(json: unknown): Uint8Array {
  return padContent(utf8(typeof json === 'string' ? json : JSON.stringify(json)));
}

function expectCode(run: () => unknown, code: CryptoErrorCode): ParleyCryptoError {
  try {
    run();
  } catch (error) {
    expect(ParleyCryptoError.is(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
    return error as ParleyCryptoError;
  }
  throw new Error(`expected ${code}, but nothing was thrown`);
}

const EVERY_KNOWN_CONTENT: ReadonlyArray<readonly [string, KnownContent]> = [
  ['text', { type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: 'Hello, Bob 👋' }],
  [
    'text in a group, quoting',
    { type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: 'yes', groupId: GROUP_ID, quotedMessageId: OTHER_ID },
  ],
  ['delivery receipt', { type: 'receipt', kind: 'delivery', messageIds: [MESSAGE_ID], sentAt: SENT_AT }],
  ['read receipt', { type: 'receipt', kind: 'read', messageIds: [MESSAGE_ID, OTHER_ID], sentAt: SENT_AT }],
  ['typing started', { type: 'typing', action: 'started', sentAt: SENT_AT }],
  ['typing stopped in a group', { type: 'typing', action: 'stopped', sentAt: SENT_AT, groupId: GROUP_ID }],
  [
    'group control with the sender set listed',
    {
      type: 'group',
      groupId: GROUP_ID,
      kind: 'update',
      changes: [CHANGE, { body: utf8('{"v":1}'), signature: new Uint8Array(64).fill(7) }],
      digest: DIGEST,
      have: [MESSAGE_ID, OTHER_ID],
    },
  ],
  [
    'group answer without the id list',
    { type: 'group', groupId: GROUP_ID, kind: 'answer', changes: [CHANGE], digest: DIGEST },
  ],
  [
    'group sync',
    { type: 'group', groupId: GROUP_ID, kind: 'sync', changes: [], digest: { count: 0, sha256: new Uint8Array(32) } },
  ],
  ['sender key alone', { type: 'sender-key', groupId: GROUP_ID, senderKeyDistribution: DISTRIBUTION }],
  ['session reset', { type: 'session-reset', id: MESSAGE_ID, sentAt: SENT_AT }],
];

describe('content round trip', () => {
  it.each(EVERY_KNOWN_CONTENT)('%s survives encode then decode unchanged', (_name, content) => {
    const encoded = encodeContent(content);
    expect(decodeContent(encoded)).toEqual(content);
  });

  it('decodes bytes fields to Uint8Array and leaves absent optional fields out', () => {
    const decoded = decodeContent(
      encodeContent({ type: 'sender-key', groupId: GROUP_ID, senderKeyDistribution: DISTRIBUTION }),
    );
    expect(decoded.type).toBe('sender-key');
    if (decoded.type !== 'sender-key') return;
    expect(decoded.senderKeyDistribution).toBeInstanceOf(Uint8Array);
    expect([...decoded.senderKeyDistribution]).toEqual([...DISTRIBUTION]);
    const text = decodeContent(encodeContent({ type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: 'hi' }));
    expect(Object.keys(text).sort()).toEqual(['body', 'id', 'sentAt', 'type']);
  });

  it('writes the exact documented JSON (test vector of docs/protocol.md §9)', () => {
    const encoded = encodeContent({ type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: 'Hi' });
    expect(encoded.byteLength).toBe(160);
    const json = '{"v":1,"type":"text","id":"018f2c1e-7a3b-7c4d-8e5f-0123456789ab","sentAt":1732780800000,"body":"Hi"}';
    expect(fromUtf8(encoded.subarray(0, json.length))).toBe(json);
    expect(encoded[json.length]).toBe(0x80);
    expect(encoded.subarray(json.length + 1).every((byte) => byte === 0)).toBe(true);
    const group = encodeContent({
      type: 'group',
      groupId: GROUP_ID,
      kind: 'update',
      changes: [{ body: utf8('{}'), signature: new Uint8Array(64) }],
      digest: { count: 1, sha256: new Uint8Array(32) },
      have: [OTHER_ID, MESSAGE_ID],
    });
    expect(fromUtf8(unpadContent(group))).toBe(
      `{"v":1,"type":"group","groupId":"3b241101-e2bb-4255-8caf-4136c566a962","kind":"update","changes":[{"body":"e30=","signature":"${'A'.repeat(86)}=="}],"digest":{"count":1,"sha256":"${'A'.repeat(43)}="},"have":"AY8sHno7fE2OXwEjRWeJq2+WGf+LhkARtC0AwE/JZP8="}`,
    );
  });

  it('accepts valid JSON written by another implementation (whitespace, other key order)', () => {
    const json = `{ "body": "hi", "sentAt": ${SENT_AT}, "type": "text", "id": "${MESSAGE_ID}", "v": 1 }`;
    expect(decodeContent(padded(json))).toEqual({ type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: 'hi' });
  });
});

describe('content of a newer version or unknown type', () => {
  it('decodes an unknown type to an explicit unsupported value with what the UI needs', () => {
    const json = { v: 2, type: 'poll', id: MESSAGE_ID, sentAt: SENT_AT, question: 'Lunch?', options: ['a', 'b'] };
    const decoded: Content = decodeContent(padded(json));
    expect(decoded).toMatchObject({
      type: 'unsupported',
      version: 2,
      contentType: 'poll',
      messageId: MESSAGE_ID,
      sentAt: SENT_AT,
    });
    if (decoded.type !== 'unsupported') return;
    expect(JSON.parse(fromUtf8(decoded.encoded))).toEqual(json);
  });

  it('treats a known type at a newer version as unsupported (its fields may mean something new)', () => {
    const decoded = decodeContent(
      padded({ v: 3, type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: 'hi', attachments: [{}] }),
    );
    expect(decoded).toMatchObject({ type: 'unsupported', version: 3, contentType: 'text', messageId: MESSAGE_ID });
  });

  it('treats an unknown type at version 1 as unsupported too, and omits ids that are not valid', () => {
    const decoded = decodeContent(padded({ v: 1, type: 'poll', id: 'not-a-uuid', sentAt: -5 }));
    expect(decoded.type).toBe('unsupported');
    expect(decoded).not.toHaveProperty('messageId');
    expect(decoded).not.toHaveProperty('sentAt');
  });
});

const CHANGE_WIRE = { body: 'e30=', signature: `${'A'.repeat(86)}==` };
const DIGEST_WIRE = { count: 1, sha256: `${'A'.repeat(43)}=` };
/** A valid group update in wire form, with `overrides`. */
function groupWire(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    v: 1,
    type: 'group',
    groupId: GROUP_ID,
    kind: 'update',
    changes: [CHANGE_WIRE],
    digest: DIGEST_WIRE,
    ...overrides,
  };
}
function haveWire(...ids: string[]): string {
  return toBase64(concatBytes(...ids.map(uuidToBytes)));
}

describe('malformed content throws INVALID_CONTENT', () => {
  const malformed: ReadonlyArray<readonly [string, unknown]> = [
    ['not JSON', '{"v":1,'],
    ['a JSON array', [1, 2]],
    ['a JSON string', '"text"'],
    ['null', 'null'],
    ['no version', { type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: 'x' }],
    ['version 0', { v: 0, type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: 'x' }],
    ['fractional version', { v: 1.5, type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: 'x' }],
    ['version as string', { v: '1', type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: 'x' }],
    ['type not a word', { v: 1, type: 'Text!', id: MESSAGE_ID, sentAt: SENT_AT, body: 'x' }],
    ['unknown key in a v1 type', { v: 1, type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: 'x', extra: 1 }],
    ['missing body', { v: 1, type: 'text', id: MESSAGE_ID, sentAt: SENT_AT }],
    ['empty body', { v: 1, type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: '' }],
    ['uppercase uuid', { v: 1, type: 'text', id: MESSAGE_ID.toUpperCase(), sentAt: SENT_AT, body: 'x' }],
    ['negative time', { v: 1, type: 'text', id: MESSAGE_ID, sentAt: -1, body: 'x' }],
    ['null optional', { v: 1, type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: 'x', groupId: null }],
    ['lone surrogate', `{"v":1,"type":"text","id":"${MESSAGE_ID}","sentAt":${SENT_AT},"body":"\\ud800"}`],
    ['empty receipt', { v: 1, type: 'receipt', kind: 'read', messageIds: [], sentAt: SENT_AT }],
    ['unknown receipt kind', { v: 1, type: 'receipt', kind: 'seen', messageIds: [MESSAGE_ID], sentAt: SENT_AT }],
    ['an update without changes', groupWire({ changes: [] })],
    [
      'group control with the old v1 action form',
      { v: 1, type: 'group', action: 'leave', id: MESSAGE_ID, sentAt: SENT_AT, groupId: GROUP_ID },
    ],
    ['a change signature of 63 bytes', groupWire({ changes: [{ body: 'e30=', signature: 'A'.repeat(84) }] })],
    ['a digest of 31 bytes', groupWire({ digest: { count: 1, sha256: 'A'.repeat(44) } })],
    ['a sync carrying a change', groupWire({ kind: 'sync' })],
    ['an unknown group message kind', groupWire({ kind: 'gossip' })],
    ['have listing ids out of order', groupWire({ have: haveWire(OTHER_ID, MESSAGE_ID) })],
    ['have listing one id twice', groupWire({ have: haveWire(MESSAGE_ID, MESSAGE_ID) })],
    ['have of 15 bytes', groupWire({ have: toBase64(new Uint8Array(15)) })],
    ['non-canonical base64', { v: 1, type: 'sender-key', groupId: GROUP_ID, senderKeyDistribution: 'AB==' }],
    ['base64 without padding', { v: 1, type: 'sender-key', groupId: GROUP_ID, senderKeyDistribution: 'AAA' }],
  ];

  it('(the group update the group cases alter is itself valid)', () => {
    expect(decodeContent(padded(groupWire({})))).toMatchObject({ type: 'group', kind: 'update' });
  });

  it.each(malformed)('%s', (_name, json) => {
    expectCode(() => decodeContent(padded(json)), CryptoErrorCode.InvalidContent);
  });

  it('invalid UTF-8', () => {
    expectCode(() => decodeContent(padContent(Uint8Array.of(0x7b, 0xc3, 0x28, 0x7d))), CryptoErrorCode.InvalidContent);
  });

  it('a value that is not bytes', () => {
    expectCode(() => decodeContent('hello' as unknown as Uint8Array), CryptoErrorCode.InvalidContent);
  });
});

describe('encodeContent refuses what a decoder would refuse', () => {
  it('refuses schema violations with INVALID_CONTENT', () => {
    expectCode(
      () => encodeContent({ type: 'text', id: 'nope', sentAt: SENT_AT, body: 'x' }),
      CryptoErrorCode.InvalidContent,
    );
    expectCode(
      () => encodeContent({ type: 'receipt', kind: 'read', messageIds: [], sentAt: SENT_AT }),
      CryptoErrorCode.InvalidContent,
    );
    expectCode(() => encodeContent({ type: 'poll' } as unknown as KnownContent), CryptoErrorCode.InvalidContent);
    expectCode(
      () =>
        encodeContent({
          type: 'sender-key',
          groupId: GROUP_ID,
          senderKeyDistribution: 'AAAA' as unknown as Uint8Array<ArrayBuffer>,
        }),
      CryptoErrorCode.InvalidContent,
    );
  });

  it('refuses content larger than the largest bucket with CONTENT_TOO_LARGE, and accepts the largest that fits', () => {
    const overhead = utf8(JSON.stringify({ v: 1, type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: '' })).byteLength;
    const fits = 'a'.repeat(MAX_ENCODED_CONTENT_BYTES - overhead);
    const encoded = encodeContent({ type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: fits });
    expect(encoded.byteLength).toBe(65536);
    expect(decodeContent(encoded)).toMatchObject({ body: fits });
    const error = expectCode(
      () => encodeContent({ type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: `${fits}a` }),
      CryptoErrorCode.ContentTooLarge,
    );
    expect(error.cause).toBeDefined();
    expectCode(
      () => encodeContent({ type: 'text', id: MESSAGE_ID, sentAt: SENT_AT, body: '€'.repeat(30_000) }),
      CryptoErrorCode.ContentTooLarge,
    );
  });
});

describe('profile content', () => {
  const accessKey = Uint8Array.from({ length: 16 }, (_, i) => i + 1);

  it('carries a 16-byte access key as canonical base64 and decodes it back', () => {
    const encoded = encodeContent({ type: 'profile', accessKey });
    const json = JSON.parse(new TextDecoder().decode(unpadContent(encoded)));
    expect(json).toEqual({ v: 1, type: 'profile', accessKey: 'AQIDBAUGBwgJCgsMDQ4PEA==' });
    expect(decodeContent(encoded)).toEqual({ type: 'profile', accessKey });
  });

  it('refuses a key of another length and fields it does not define', () => {
    expectCode(() => encodeContent({ type: 'profile', accessKey: new Uint8Array(15) }), CryptoErrorCode.InvalidContent);
    const extra = { v: 1, type: 'profile', accessKey: 'AQIDBAUGBwgJCgsMDQ4PEA==', nickname: 'Bob' };
    expect(() => decodeContent(padContent(utf8(JSON.stringify(extra))))).toThrow(/profile/);
  });
});

describe('profile content with relay, name and avatar', () => {
  it('round-trips every optional field, avatar bytes included', () => {
    const avatar = { contentType: 'image/png' as const, data: Uint8Array.from([0x89, 0x50, 0x4e, 0x47]) };
    const profile = {
      type: 'profile' as const,
      accessKey: new Uint8Array(16).fill(7),
      relayUrl: 'https://relay.example.org',
      name: 'Bob',
      avatar,
    };
    const decoded = decodeContent(encodeContent(profile));
    expect(decoded).toEqual(profile);
  });

  it('refuses an avatar larger than the limit', () => {
    const avatar = { contentType: 'image/jpeg' as const, data: new Uint8Array(MAX_PROFILE_AVATAR_BYTES + 1) };
    expectCode(
      () => encodeContent({ type: 'profile', accessKey: new Uint8Array(16), avatar }),
      CryptoErrorCode.InvalidContent,
    );
  });
});

describe('session-reset content', () => {
  it('is padded like every content and refuses fields it does not define', () => {
    const encoded = encodeContent({ type: 'session-reset', id: MESSAGE_ID, sentAt: SENT_AT });
    expect(encoded.length).toBe(paddedContentLength(unpadContent(encoded).length));
    const extra = { v: 1, type: 'session-reset', id: MESSAGE_ID, sentAt: SENT_AT, body: 'x' };
    expect(() => decodeContent(padContent(utf8(JSON.stringify(extra))))).toThrow(/session-reset/);
    const noId = { v: 1, type: 'session-reset', sentAt: SENT_AT };
    expect(() => decodeContent(padContent(utf8(JSON.stringify(noId))))).toThrow(/id/);
  });

  it('at a newer version is unsupported, keeping its id', () => {
    const newer = { v: 2, type: 'session-reset', id: MESSAGE_ID, sentAt: SENT_AT };
    const decoded = decodeContent(padContent(utf8(JSON.stringify(newer))));
    expect(decoded).toMatchObject({
      type: 'unsupported',
      version: 2,
      contentType: 'session-reset',
      messageId: MESSAGE_ID,
    });
  });
});
