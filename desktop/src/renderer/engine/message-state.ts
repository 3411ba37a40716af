/**
 * Message states only move forward: a late `sent` acknowledgement must not
 * undo `delivered`, a delivery receipt must not undo `read`. A failed send
 * that a receipt proves delivered (the relay committed it, the answer was
 * lost) moves forward too.
 */
import type { MessageState } from './records.js';

const RANK: Readonly<Record<MessageState, number>> = {
  failed: 0,
  sending: 0,
  sent: 1,
  delivered: 2,
  read: 3,
};

/** The state after learning `next`: `next` when it is further along, else the current one. */
export function advanceState(current: MessageState, next: MessageState): MessageState {
  return RANK[next] > RANK[current] ? next : current;
}

export function isAhead(next: MessageState, current: MessageState): boolean {
  return RANK[next] > RANK[current];
}
