/**
 * The outbox table's operations. Items are sent in the order they were
 * queued (`seq`), each when its `nextAttemptAt` has come. A text item's
 * message moves to `sent` in the same transaction that deletes the item, so
 * after any crash either the item is still queued (and is sent again; the
 * receiver drops the copy by message id) or the message is marked sent.
 */

import type { AccountId } from '@parley/crypto-core/wire';
import type { EngineDatabase } from './database.js';
import { isAhead } from './message-state.js';
import type { GroupReceiptRecord, MessageState, OutboxGroupTextRecord, OutboxRecord } from './records.js';

/** "No item is waiting" (nextDueAt with an empty outbox). */
export const NEVER = Number.MAX_SAFE_INTEGER;

export interface SentItem {
  readonly item: OutboxRecord;
  readonly serverTimestamp: number;
}

export interface OutboxStateChange {
  readonly conversationId: string;
  readonly messageId: string;
  readonly state: MessageState;
}

/** When an item can be sent: its `nextAttemptAt`, or later while its relay cannot be reached (NEVER: not now). */
export type AvailableAt = (item: OutboxRecord) => number;

const asScheduled: AvailableAt = (item) => item.nextAttemptAt;

export class OutboxQueue {
  constructor(private readonly db: EngineDatabase) {}

  /**
   * Up to `limit` items due at `now`, in queue order. Times are sealed, not
   * indexed (they would date the user's sending): the queue is read in order
   * and stops once `limit` are found.
   */
  async due(now: number, limit: number, availableAt: AvailableAt = asScheduled): Promise<OutboxRecord[]> {
    return this.db.outbox
      .filter((item) => availableAt(item) <= now)
      .limit(limit)
      .toArray();
  }

  /** When the next waiting item is due (NEVER when none is); reads the queue. */
  async nextDueAt(availableAt: AvailableAt = asScheduled): Promise<number> {
    let next = NEVER;
    await this.db.outbox.each((item) => {
      next = Math.min(next, availableAt(item));
    });
    return next;
  }

  /** Texts waiting to be sent (what the UI means by "messages will send when you're back"). */
  queuedTexts(): Promise<number> {
    // The messageId index holds text items only: receipts have no messageId.
    return this.db.outbox.orderBy('messageId').count();
  }

  /**
   * Relay accepted these: texts become `sent`, items go, all in one
   * transaction; a member sent our current sender key joins the group's
   * `distributedTo`.
   */
  recordSent(sent: readonly SentItem[]): Promise<OutboxStateChange[]> {
    return this.db.dexie.transaction('rw', ['outbox', 'messages', 'groups'], async () => {
      const changes: OutboxStateChange[] = [];
      for (const { item, serverTimestamp } of sent) {
        if (item.seq !== undefined) await this.db.outbox.delete(item.seq);
        if (item.kind === 'sender-key') await this.#distributed(item.groupId, item.distributionId, item.recipient);
        if (item.kind !== 'text') continue;
        const change = await this.#markSent(item.messageId, serverTimestamp);
        if (change !== null) changes.push(change);
      }
      return changes;
    });
  }

  /**
   * Every relay committed a group text: the message is `sent`, each
   * recipient gets its receipt row (state `sent`; a receipt that came first
   * is kept), the item goes.
   */
  recordGroupSent(
    item: OutboxGroupTextRecord,
    serverTimestamp: number,
    recipients: readonly AccountId[],
  ): Promise<OutboxStateChange[]> {
    return this.db.dexie.transaction('rw', ['outbox', 'messages', 'groupReceipts'], async () => {
      if (item.seq !== undefined) await this.db.outbox.delete(item.seq);
      const ids = recipients.map((accountId) => `${item.messageId}:${accountId}`);
      const existing = await this.db.groupReceipts.bulkGet(ids);
      const rows = recipients.flatMap((accountId, index): GroupReceiptRecord[] =>
        existing[index] === undefined
          ? [{ id: ids[index] as string, messageId: item.messageId, groupId: item.groupId, accountId, state: 'sent' }]
          : [],
      );
      if (rows.length > 0) await this.db.groupReceipts.bulkAdd(rows);
      const change = await this.#markSent(item.messageId, serverTimestamp);
      return change === null ? [] : [change];
    });
  }

  async #markSent(messageId: string, serverTimestamp: number): Promise<OutboxStateChange | null> {
    const message = await this.db.messages.get(messageId);
    if (message === undefined) return null;
    const state = isAhead('sent', message.state) ? 'sent' : message.state;
    await this.db.messages.update(messageId, { state, serverTimestamp });
    return state === message.state ? null : { conversationId: message.conversationId, messageId, state };
  }

  async #distributed(groupId: string, distributionId: string, member: AccountId): Promise<void> {
    const group = await this.db.groups.get(groupId);
    // Rotated since it was queued: the member needs the new key, not this one.
    if (group === undefined || group.distributionId !== distributionId || group.distributedTo.includes(member)) return;
    await this.db.groups.update(groupId, { distributedTo: [...group.distributedTo, member] });
  }

  /** Try again at `nextAttemptAt`. */
  async reschedule(item: OutboxRecord, attempts: number, nextAttemptAt: number, lastError: string): Promise<void> {
    if (item.seq === undefined) return;
    await this.db.outbox.update(item.seq, { attempts, nextAttemptAt, lastError });
  }

  /** Gives up: the item goes, and a text's message becomes `failed` (retry() queues it again). */
  fail(item: OutboxRecord): Promise<OutboxStateChange | null> {
    return this.db.dexie.transaction('rw', ['outbox', 'messages'], async () => {
      if (item.seq !== undefined) await this.db.outbox.delete(item.seq);
      if (item.kind !== 'text' && item.kind !== 'group-text') return null;
      const message = await this.db.messages.get(item.messageId);
      // A receipt may have proved it delivered meanwhile: then it did not fail.
      if (message === undefined || (message.state !== 'sending' && message.state !== 'failed')) return null;
      await this.db.messages.update(item.messageId, { state: 'failed' });
      return { conversationId: message.conversationId, messageId: message.id, state: 'failed' };
    });
  }
}
