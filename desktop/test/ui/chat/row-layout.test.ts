import { describe, expect, it } from 'vitest';
import { dayLabel } from '../../../src/renderer/app/chat/day-label.js';
import {
  estimateRowHeight,
  GROUP_GAP_MS,
  isNotice,
  layoutRows,
  noticeText,
  reuseUnchanged,
} from '../../../src/renderer/app/chat/row-layout.js';
import { PLAIN_MESSAGE_FEATURES } from '../../../src/renderer/engine/message-features-view.js';
import type { MessageView } from '../../../src/renderer/engine/queries.js';

const NOW = new Date(2026, 10, 28, 15, 0).getTime();
const MINUTE = 60_000;
let seq = 0;

function message(sentAt: number, overrides: Partial<MessageView> = {}): MessageView {
  seq++;
  const id = `m${seq}`;
  return {
    id,
    conversationId: 'direct:bob',
    kind: 'text',
    direction: 'incoming',
    senderAccountId: 'bob' as MessageView['senderAccountId'],
    sentAt,
    receivedAt: sentAt,
    position: `${String(sentAt).padStart(16, '0')}-${id}`,
    state: 'read',
    body: 'hi',
    ...PLAIN_MESSAGE_FEATURES,
    ...overrides,
  };
}

const own: Partial<MessageView> = { direction: 'outgoing', senderAccountId: 'me' as MessageView['senderAccountId'] };

describe('layoutRows', () => {
  it('groups consecutive messages from one sender within a few minutes', () => {
    const t = NOW - 60 * MINUTE;
    const rows = layoutRows(
      [
        message(t),
        message(t + MINUTE),
        message(t + MINUTE + GROUP_GAP_MS), // too late: a new group
        message(t + 5 * MINUTE + GROUP_GAP_MS, own),
        message(t + 6 * MINUTE + GROUP_GAP_MS, own),
      ],
      { firstUnreadKey: null, hasOlder: false, now: NOW, locale: 'en-GB' },
    );
    expect(rows.map((row) => [row.groupStart, row.groupEnd])).toEqual([
      [true, false],
      [false, true],
      [true, true],
      [true, false],
      [false, true],
    ]);
  });

  it('puts day separators where the day changes, none at the top while older rows exist', () => {
    const yesterday = NOW - 24 * 60 * MINUTE;
    const messages = [message(yesterday - 10 * MINUTE), message(yesterday), message(NOW - MINUTE)];
    const rows = layoutRows(messages, { firstUnreadKey: null, hasOlder: false, now: NOW, locale: 'en-GB' });
    expect(rows.map((row) => row.daySeparator)).toEqual(['Yesterday', null, 'Today']);
    expect(rows[2]?.groupStart).toBe(true);
    const partial = layoutRows(messages, { firstUnreadKey: null, hasOlder: true, now: NOW, locale: 'en-GB' });
    expect(partial[0]?.daySeparator).toBeNull();
  });

  it('puts the unread divider before the first unread message and breaks the group there', () => {
    const t = NOW - 10 * MINUTE;
    const messages = [message(t), message(t + 1000), message(t + 2000)];
    const rows = layoutRows(messages, {
      firstUnreadKey: messages[1]?.position ?? null,
      hasOlder: true,
      now: NOW,
    });
    expect(rows.map((row) => row.unreadDivider)).toEqual([false, true, false]);
    expect(rows.map((row) => row.groupEnd)).toEqual([true, false, true]);
    expect(rows[1]?.groupStart).toBe(true);
  });

  it('never groups a notice with messages', () => {
    const t = NOW - 10 * MINUTE;
    const rows = layoutRows(
      [
        message(t),
        message(t + 1000, { kind: 'forged-key', body: 'https://relay.example' }),
        message(t + 2000),
        message(t + 3000, { kind: 'identity-changed', body: null }),
        message(t + 4000),
      ],
      {
        firstUnreadKey: null,
        hasOlder: true,
        now: NOW,
      },
    );
    expect(rows.map((row) => [row.groupStart, row.groupEnd])).toEqual([
      [true, true],
      [true, true],
      [true, true],
      [true, true],
      [true, true],
    ]);
  });
});

describe('noticeText', () => {
  it('names the relay that forged the key, and offers nothing to accept', () => {
    const forged = message(NOW, { kind: 'forged-key', body: 'https://relay.example' });
    expect(noticeText(forged, 'Bob')).toBe(
      "Your relay (https://relay.example) sent a key that isn't Bob's; nothing from it was accepted.",
    );
    expect(noticeText({ ...forged, body: null }, 'Bob')).toBe(
      "Your relay sent a key that isn't Bob's; nothing from it was accepted.",
    );
    // Written by versions that offered to accept it: told as the past forgery it was.
    expect(noticeText(message(NOW, { kind: 'identity-changed', body: null }), 'Bob')).toBe(
      "Earlier, your relay sent a key that isn't Bob's; Parley now refuses such keys.",
    );
    expect(isNotice(forged)).toBe(true);
    expect(isNotice(message(NOW))).toBe(false);
  });
});

describe('estimateRowHeight', () => {
  it('grows with the text and with what goes before the bubble', () => {
    const t = NOW - 10 * MINUTE;
    const [short, long] = layoutRows(
      [message(t, { body: 'hi' }), message(t + GROUP_GAP_MS, { body: 'x'.repeat(400) })],
      {
        firstUnreadKey: null,
        hasOlder: true,
        now: NOW,
      },
    );
    if (short === undefined || long === undefined) throw new Error('rows missing');
    expect(estimateRowHeight(short, 600)).toBe(8 + 16 + 20 + 18);
    expect(estimateRowHeight(long, 600)).toBeGreaterThan(estimateRowHeight(long, 1200));
    expect(estimateRowHeight({ ...short, daySeparator: 'Today', unreadDivider: true }, 600)).toBe(62 + 40 + 36);
  });
});

describe('dayLabel', () => {
  it('says Today, Yesterday, else the date, with the year only when it differs', () => {
    expect(dayLabel(NOW - 60 * MINUTE, NOW, 'en-GB')).toBe('Today');
    expect(dayLabel(NOW - 24 * 60 * MINUTE, NOW, 'en-GB')).toBe('Yesterday');
    expect(dayLabel(new Date(2026, 2, 3, 12).getTime(), NOW, 'en-GB')).toBe('Tuesday 3 March');
    const lastYear = dayLabel(new Date(2025, 2, 3, 12).getTime(), NOW, 'en-GB');
    expect(lastYear).toMatch(/^Monday,? 3 March 2025$/);
  });
});

describe('reuseUnchanged', () => {
  it('keeps the old object of rows that did not change and takes the new one of rows that did', () => {
    const t = NOW - 10 * MINUTE;
    const messages = [message(t, own), message(t + 1000, own)];
    const context = { firstUnreadKey: null, hasOlder: true, now: NOW };
    const before = layoutRows(messages, context);
    const [first, second] = messages;
    if (first === undefined || second === undefined) throw new Error('messages missing');
    const after = reuseUnchanged(layoutRows([{ ...first }, { ...second, state: 'failed' }], context), before);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect(after[1]?.message.state).toBe('failed');
  });
});
