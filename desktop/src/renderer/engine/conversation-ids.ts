/**
 * Derived keys. A conversation's id follows from its peer, so the receive
 * path and addContact, racing, still write one conversation. A message's sort
 * key follows from the sender's clock and the message id: the order a sender
 * wrote in survives retries, redelivery and relay restarts (the relay's
 * timestamps would reorder a message that needed a second attempt), and it is
 * the same on both ends.
 */
import type { AccountId } from '@parley/crypto-core/wire';

export function directConversationId(accountId: AccountId): string {
  return `direct:${accountId}`;
}

export function groupConversationId(groupId: string): string {
  return `group:${groupId}`;
}

/** The group a conversation id names, or null for a direct conversation. */
export function groupIdOf(conversationId: string): string | null {
  return conversationId.startsWith('group:') ? conversationId.slice('group:'.length) : null;
}

/** Sort keys compare as strings: 16 digits cover every millisecond timestamp the wire allows (< 8.64e15). */
export function messageSortKey(sentAt: number, messageId: string): string {
  return `${String(Math.max(0, Math.trunc(sentAt))).padStart(16, '0')}-${messageId}`;
}

/** Lower bound of every sort key (sorts before any message). */
export const MIN_SORT_KEY = '';
/** Upper bound of every sort key. */
export const MAX_SORT_KEY = '\uffff';

/**
 * A sender's clock may be wrong. Within this window of the relay's time we
 * trust it (keeping the sender's order); beyond it (a clock years ahead, or a
 * forged future date that would pin a message to the bottom forever) the
 * relay's timestamp is used instead.
 */
export const MAX_SENDER_CLOCK_AHEAD_MS = 24 * 60 * 60 * 1000;

export function orderingTime(sentAt: number, serverTimestamp: number): number {
  return sentAt > serverTimestamp + MAX_SENDER_CLOCK_AHEAD_MS ? serverTimestamp : sentAt;
}
