/**
 * What each loaded message row shows around its bubble: a day separator
 * before it, the "unread messages" divider, and whether it starts or ends a
 * group (consecutive messages from one sender within a few minutes; the
 * last of a group shows the time). Also a first guess at each row's height,
 * used until the row has been rendered and measured.
 */
import { forgeryNoticeText } from '../../../common/forgery-notice.js';
import type { MessageView } from '../../engine/queries.js';
import { dayLabel, localDay } from './day-label.js';
import { timerChangeText } from './timer-labels.js';

/** Messages from one sender closer than this stay in one group. */
export const GROUP_GAP_MS = 3 * 60_000;

export interface RowLayout {
  readonly message: MessageView;
  /** The day separator's label when a new day starts at this row. */
  readonly daySeparator: string | null;
  /** The "unread messages" divider goes above this row. */
  readonly unreadDivider: boolean;
  readonly groupStart: boolean;
  /** Last bubble of its group: its time is always shown. */
  readonly groupEnd: boolean;
}

export interface LayoutContext {
  /** Sort key of the first message that was unread when the conversation opened. */
  readonly firstUnreadKey: string | null;
  /** Messages exist before the first row (its day separator is unknown until they load). */
  readonly hasOlder: boolean;
  readonly now: number;
  readonly locale?: string;
}

/** A centred notice in the history rather than a bubble: a refused key, or a group's timeline line. */
export function isNotice(message: MessageView): boolean {
  return (
    message.kind === 'forged-key' ||
    message.kind === 'identity-changed' ||
    message.kind === 'timer-change' ||
    message.kind === 'group-event'
  );
}

function isBubble(message: MessageView): boolean {
  return !isNotice(message);
}

/**
 * What a notice says: a group-event's own sentence; else (common/forgery-notice.ts) 'forged-key': a relay sent a
 * key that the contact's id does not commit to and Parley refused it (its
 * body is that relay's URL). 'identity-changed': the same event as versions
 * before that recorded it, which offered to accept the key.
 */
export function noticeText(message: MessageView, peerName: string): string {
  if (message.kind === 'timer-change') {
    return timerChangeText(Number(message.body ?? 0), message.direction === 'outgoing', peerName);
  }
  // A group's timeline line is the sentence the engine wrote ("Alice renamed the group to \"Hikers\"").
  if (message.kind === 'group-event') return message.body ?? '';
  const kind = message.kind === 'identity-changed' ? 'identity-changed' : 'forged-key';
  return forgeryNoticeText({ kind, relayUrl: message.body, peerName });
}

function continues(previous: MessageView | undefined, message: MessageView, sameDay: boolean): boolean {
  return (
    previous !== undefined &&
    sameDay &&
    isBubble(previous) &&
    isBubble(message) &&
    previous.direction === message.direction &&
    previous.senderAccountId === message.senderAccountId &&
    message.sentAt - previous.sentAt < GROUP_GAP_MS
  );
}

export function layoutRows(messages: readonly MessageView[], context: LayoutContext): RowLayout[] {
  const rows: RowLayout[] = [];
  const days = messages.map((message) => localDay(message.sentAt));
  let previous: MessageView | undefined;
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index] as MessageView;
    const sameDay = previous !== undefined && days[index - 1] === days[index];
    const newDay = previous === undefined ? !context.hasOlder : !sameDay;
    const unreadDivider = context.firstUnreadKey !== null && message.position === context.firstUnreadKey;
    const next = messages[index + 1];
    const nextSameDay = next !== undefined && days[index + 1] === days[index];
    const nextUnreadDivider = next !== undefined && next.position === context.firstUnreadKey;
    rows.push({
      message,
      daySeparator: newDay ? dayLabel(message.sentAt, context.now, context.locale) : null,
      unreadDivider,
      groupStart: unreadDivider || !continues(previous, message, sameDay),
      groupEnd: next === undefined || nextUnreadDivider || !continues(message, next, nextSameDay),
    });
    previous = message;
  }
  return rows;
}

/** Pixel sizes the estimate assumes (MessageRow's CSS uses the same). */
export const ROW_METRICS = {
  lineHeight: 20,
  bubblePadding: 16,
  metaLine: 18,
  groupGap: 8,
  rowGap: 2,
  separator: 40,
  divider: 36,
  notice: 48,
  quote: 48,
  reactions: 28,
  averageCharWidth: 7.4,
} as const;

/** A row's likely height at a given history width (bubbles take up to 75% of it). */
export function estimateRowHeight(row: RowLayout, historyWidth: number): number {
  const m = ROW_METRICS;
  let height = row.groupStart ? m.groupGap : m.rowGap;
  if (row.daySeparator !== null) height += m.separator;
  if (row.unreadDivider) height += m.divider;
  if (!isBubble(row.message)) return height + m.notice;
  const charsPerLine = Math.max(8, Math.floor((historyWidth * 0.75 - m.bubblePadding) / m.averageCharWidth));
  const text = row.message.body ?? '';
  let lines = 0;
  for (const paragraph of text.split('\n')) lines += Math.max(1, Math.ceil(paragraph.length / charsPerLine));
  const showsMeta = row.groupEnd || row.message.direction === 'outgoing';
  const extras = (row.message.quote === null ? 0 : m.quote) + (row.message.reactions.length === 0 ? 0 : m.reactions);
  return height + m.bubblePadding + lines * m.lineHeight + (showsMeta ? m.metaLine : 0) + extras;
}

function sameRow(a: RowLayout, b: RowLayout): boolean {
  return (
    a.message.id === b.message.id &&
    a.message.state === b.message.state &&
    a.message.body === b.message.body &&
    sameFeatures(a.message, b.message) &&
    a.daySeparator === b.daySeparator &&
    a.unreadDivider === b.unreadDivider &&
    a.groupStart === b.groupStart &&
    a.groupEnd === b.groupEnd
  );
}

/** Reactions, edits, deletion and timers (what a row shows beyond its text and state). */
function sameFeatures(a: MessageView, b: MessageView): boolean {
  return (
    a.deleted === b.deleted &&
    a.editedAt === b.editedAt &&
    a.expiresAt === b.expiresAt &&
    a.reactions.length === b.reactions.length &&
    a.reactions.every((reaction, index) => {
      const other = b.reactions[index];
      return (
        other !== undefined && other.emoji === reaction.emoji && other.accountIds.join() === reaction.accountIds.join()
      );
    })
  );
}

/**
 * Keeps the previous object of every row that did not change, so a new page
 * or a state change re-renders only the rows it touched (the history's keyed
 * each compares rows by identity).
 */
export function reuseUnchanged(rows: readonly RowLayout[], previous: readonly RowLayout[]): RowLayout[] {
  const before = new Map(previous.map((row) => [row.message.id, row]));
  return rows.map((row) => {
    const old = before.get(row.message.id);
    return old !== undefined && sameRow(old, row) ? old : row;
  });
}
