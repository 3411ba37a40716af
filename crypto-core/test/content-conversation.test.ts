import { describe, expect, it } from 'vitest';
import type { AccountId } from '../src/address/account-id.js';
import {
  CONTENT_VERSION,
  contentEnvelopeSchema,
  decodeContent,
  EXPIRE_TIMER_SECONDS,
  encodeContent,
  isReactionEmoji,
  type KnownContent,
  MAX_MENTIONS,
  MAX_QUOTE_TEXT_LENGTH,
  padContent,
  textWireSchema,
  unpadContent,
} from '../src/content/index.js';
import { fromUtf8, utf8 } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';

const ID = '018f2c1e-7a3b-7c4d-8e5f-0123456789ab';
const TARGET = '6f9619ff-8b86-4011-b42d-00c04fc964ff';
const GROUP = '3b241101-e2bb-4255-8caf-4136c566a962';
const AUTHOR = 'abcdefghijklmnopqrstuvwxyz234567' as AccountId;
const SENT_AT = 1_732_780_800_000;

/** The types the first version-1 decoders knew: anything else at v 1 is an unknown type to them. */
const ORIGINAL_VERSION_1_TYPES = ['text', 'receipt', 'typing', 'group', 'sender-key', 'session-reset', 'profile'];

function wireOf(content: KnownContent): Record<string, unknown> {
  return JSON.parse(fromUtf8(unpadContent(encodeContent(content))));
}

function expectInvalid(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(ParleyCryptoError.is(error, CryptoErrorCode.InvalidContent), String(error)).toBe(true);
    return;
  }
  throw new Error('expected INVALID_CONTENT');
}

const reply: KnownContent = {
  type: 'text',
  id: ID,
  sentAt: SENT_AT,
  body: 'Sure',
  quote: { id: TARGET, author: AUTHOR, text: 'Lunch?' },
  expireTimer: 300,
};
const ACTIONS: readonly KnownContent[] = [
  { type: 'reaction', id: ID, sentAt: SENT_AT, targetMessageId: TARGET, targetAuthor: AUTHOR, emoji: '❤️' },
  { type: 'reaction', id: ID, sentAt: SENT_AT, targetMessageId: TARGET, targetAuthor: AUTHOR },
  { type: 'edit', id: ID, sentAt: SENT_AT, targetMessageId: TARGET, body: 'fixed', editNumber: 2, groupId: GROUP },
  { type: 'delete', id: ID, sentAt: SENT_AT, targetMessageId: TARGET },
  { type: 'expire-timer', id: ID, sentAt: SENT_AT, seconds: 0 },
  { type: 'expire-timer', id: ID, sentAt: SENT_AT, seconds: 2_419_200 },
];

describe('replies and timers on texts (text version 2)', () => {
  it('writes version 2 only when a quote or a timer is there, and decodes both back', () => {
    expect(wireOf({ type: 'text', id: ID, sentAt: SENT_AT, body: 'hi' }).v).toBe(CONTENT_VERSION);
    const wire = wireOf(reply);
    expect(wire).toEqual({
      v: 2,
      type: 'text',
      id: ID,
      sentAt: SENT_AT,
      body: 'Sure',
      quote: { id: TARGET, author: AUTHOR, text: 'Lunch?' },
      expireTimer: 300,
    });
    expect(Object.keys(wire)).toEqual(['v', 'type', 'id', 'sentAt', 'body', 'quote', 'expireTimer']);
    expect(decodeContent(encodeContent(reply))).toEqual(reply);
    const timed: KnownContent = { type: 'text', id: ID, sentAt: SENT_AT, body: 'x', expireTimer: 30 };
    expect(wireOf(timed).v).toBe(2);
    expect(decodeContent(encodeContent(timed))).toEqual(timed);
  });

  it('a version-1 reader cannot take a reply for a plain text: its schema refuses it, its envelope rule calls it newer', () => {
    const wire = wireOf(reply);
    expect(textWireSchema.safeParse(wire).success).toBe(false);
    const envelope = contentEnvelopeSchema.parse(wire);
    expect(envelope.v).toBeGreaterThan(CONTENT_VERSION);
  });

  it('refuses quotes that are too long, timers off the list, and version-2 fields at version 1', () => {
    expectInvalid(() =>
      encodeContent({ ...reply, quote: { id: TARGET, author: AUTHOR, text: 'q'.repeat(MAX_QUOTE_TEXT_LENGTH + 1) } }),
    );
    expectInvalid(() =>
      encodeContent({ ...reply, quote: { id: TARGET, author: 'Not-An-Account' as AccountId, text: '' } }),
    );
    expectInvalid(() => encodeContent({ type: 'text', id: ID, sentAt: SENT_AT, body: 'x', expireTimer: 31 }));
    const v1WithQuote = { ...wireOf(reply), v: 1 };
    expectInvalid(() => decodeContent(padContent(utf8(JSON.stringify(v1WithQuote)))));
    const v2Unknown = { ...wireOf(reply), mood: 'happy' };
    expectInvalid(() => decodeContent(padContent(utf8(JSON.stringify(v2Unknown)))));
  });

  it('accepts every listed timer', () => {
    for (const seconds of EXPIRE_TIMER_SECONDS) {
      const content: KnownContent = { type: 'text', id: ID, sentAt: SENT_AT, body: 'x', expireTimer: seconds };
      expect(decodeContent(encodeContent(content))).toEqual(content);
    }
  });
});

describe('mentions on texts (text version 2)', () => {
  const BOB = 'bcdefghijklmnopqrstuvwxyz2345672' as AccountId;
  const mention = (start: number, length: number, accountId: AccountId = BOB) => ({ start, length, accountId });
  const mentioning = (body: string, mentions: ReturnType<typeof mention>[]): KnownContent => ({
    type: 'text',
    id: ID,
    sentAt: SENT_AT,
    body,
    groupId: GROUP,
    mentions,
  });
  const decodeWire = (wire: Record<string, unknown>) => decodeContent(padContent(utf8(JSON.stringify(wire))));

  it('writes version 2 with mentions last, decodes them back, and a version-1 reader calls it newer', () => {
    const content = mentioning('@Bob and @Alice, lunch?', [mention(0, 4), mention(9, 6, AUTHOR)]);
    const wire = wireOf(content);
    expect(wire.v).toBe(2);
    expect(Object.keys(wire)).toEqual(['v', 'type', 'id', 'sentAt', 'body', 'groupId', 'mentions']);
    expect(wire.mentions).toEqual([mention(0, 4), mention(9, 6, AUTHOR)]);
    expect(decodeContent(encodeContent(content))).toEqual(content);
    expect(textWireSchema.safeParse(wire).success).toBe(false);
    expect(contentEnvelopeSchema.parse(wire).v).toBeGreaterThan(CONTENT_VERSION);
  });

  it('counts in UTF-16 code units: a range may end at the body, after an emoji', () => {
    const content = mentioning('👋 @Bob', [mention(3, 4)]);
    expect(decodeContent(encodeContent(content))).toEqual(content);
  });

  it('refuses ranges outside the body, overlapping, out of order, empty, negative or splitting a pair', () => {
    expectInvalid(() => encodeContent(mentioning('@Bob', [mention(0, 5)])));
    expectInvalid(() => encodeContent(mentioning('@Bob', [mention(4, 1)])));
    expectInvalid(() => encodeContent(mentioning('@Bob @Al', [mention(0, 4), mention(3, 3)])));
    expectInvalid(() => encodeContent(mentioning('@Bob @Al', [mention(5, 3), mention(0, 4)])));
    expectInvalid(() => encodeContent(mentioning('@Bob', [mention(0, 0)])));
    expectInvalid(() => encodeContent(mentioning('@Bob', [mention(-1, 2)])));
    expectInvalid(() => encodeContent(mentioning('@Bob', [mention(0.5, 2)])));
    expectInvalid(() => encodeContent(mentioning('👋 @Bob', [mention(1, 3)])));
    expectInvalid(() => encodeContent(mentioning('@Bob', [mention(0, 4, 'Not-An-Account' as AccountId)])));
    expectInvalid(() => encodeContent(mentioning('@Bob', [])));
  });

  it('refuses more than the most mentions, unknown keys in a mention, and mentions at version 1', () => {
    const body = '@'.repeat(MAX_MENTIONS + 1);
    const many = Array.from({ length: MAX_MENTIONS + 1 }, (_, index) => mention(index, 1));
    expect(decodeContent(encodeContent(mentioning(body, many.slice(0, MAX_MENTIONS))))).toMatchObject({
      mentions: many.slice(0, MAX_MENTIONS),
    });
    expectInvalid(() => encodeContent(mentioning(body, many)));
    const wire = wireOf(mentioning('@Bob', [mention(0, 4)]));
    expectInvalid(() => decodeWire({ ...wire, mentions: [{ ...mention(0, 4), name: 'Bob' }] }));
    expectInvalid(() => decodeWire({ ...wire, v: 1 }));
  });

  it('adjacent ranges are allowed (one ends where the next starts)', () => {
    const content = mentioning('@A@B', [mention(0, 2), mention(2, 2, AUTHOR)]);
    expect(decodeContent(encodeContent(content))).toEqual(content);
  });
});

describe('reaction, edit, delete and expire-timer (new types within version 1)', () => {
  it('round-trip, written at version 1 with keys in the documented order', () => {
    for (const content of ACTIONS) {
      const wire = wireOf(content);
      expect(wire.v).toBe(1);
      expect(decodeContent(encodeContent(content))).toEqual(content);
    }
    expect(Object.keys(wireOf(ACTIONS[2] as KnownContent))).toEqual([
      'v',
      'type',
      'id',
      'sentAt',
      'targetMessageId',
      'body',
      'editNumber',
      'groupId',
    ]);
  });

  it('are types the first version-1 readers did not know, so they show "needs a newer version"', () => {
    for (const content of [...ACTIONS]) {
      const envelope = contentEnvelopeSchema.parse(wireOf(content));
      expect(ORIGINAL_VERSION_1_TYPES).not.toContain(envelope.type);
    }
  });

  it('at a newer version are unsupported, keeping their id and time', () => {
    const newer = { ...wireOf(ACTIONS[0] as KnownContent), v: 2, extra: true };
    expect(decodeContent(padContent(utf8(JSON.stringify(newer))))).toMatchObject({
      type: 'unsupported',
      version: 2,
      contentType: 'reaction',
      messageId: ID,
      sentAt: SENT_AT,
    });
  });

  it('refuse malformed fields', () => {
    const base = { id: ID, sentAt: SENT_AT, targetMessageId: TARGET };
    expectInvalid(() => encodeContent({ type: 'reaction', ...base, targetAuthor: AUTHOR, emoji: 'like' }));
    expectInvalid(() => encodeContent({ type: 'reaction', ...base, targetAuthor: AUTHOR, emoji: '👍 👍' }));
    expectInvalid(() => encodeContent({ type: 'edit', ...base, body: '', editNumber: 1 }));
    expectInvalid(() => encodeContent({ type: 'edit', ...base, body: 'x', editNumber: 0 }));
    expectInvalid(() => encodeContent({ type: 'delete', ...base, targetMessageId: 'nope' }));
    expectInvalid(() => encodeContent({ type: 'expire-timer', id: ID, sentAt: SENT_AT, seconds: 10 }));
    const extra = { v: 1, type: 'delete', ...base, body: 'x' };
    expectInvalid(() => decodeContent(padContent(utf8(JSON.stringify(extra)))));
  });

  it('take single emoji, ZWJ sequences, flags and keycaps, never text', () => {
    for (const emoji of ['👍', '❤️', '👩🏽‍💻', '🇫🇷', '1️⃣', '🏳️‍🌈']) expect(isReactionEmoji(emoji), emoji).toBe(true);
    for (const text of ['', 'a', '1', ' ', '👍a', '<b>', '\u200d', '🙂'.repeat(17)]) {
      expect(isReactionEmoji(text), text).toBe(false);
    }
  });
});
