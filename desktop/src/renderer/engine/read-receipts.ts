/**
 * Reading a conversation: the incoming messages the user has seen become
 * `read` (all unread ones up to `through`, the position of the newest message
 * the view showed), the unread count drops to what is left, and read
 * receipts for them are queued to the sender unless the user turned read
 * receipts off or the sender is a message request or blocked (a request
 * learns nothing of when it was read; message-requests.ts), all in one
 * transaction (the outbox sends them when it can).
 */
import { MAX_RECEIPT_MESSAGE_IDS } from '@parley/crypto-core/content';
import type { AccountId } from '@parley/crypto-core/wire';
import type { Clock } from './clock.js';
import { isAcceptedContact } from './contact-access.js';
import type { EngineDatabase } from './database.js';
import { EngineError, EngineErrorCode } from './errors.js';
import { isJoinedMember } from './groups/group-members.js';
import { startExpiry } from './message-expiry.js';
import type { OutboxReceiptRecord } from './records.js';

export interface MarkReadResult {
  readonly messageIds: readonly string[];
  readonly receiptsQueued: number;
  /** Disappearing timers that started (they count from reading: message-expiry.ts). */
  readonly timersStarted: number;
}

export interface MarkReadOptions {
  /** Only messages at or before this position (the newest the user saw); default every unread one. */
  readonly through?: string | undefined;
  /**
   * Queue read receipts: false when the user turned them off, or when another
   * install took this copy over (it sends nothing).
   */
  readonly receipts: boolean;
}

export class ReadReceipts {
  constructor(
    private readonly db: EngineDatabase,
    private readonly clock: Clock,
  ) {}

  markRead(conversationId: string, options: MarkReadOptions): Promise<MarkReadResult> {
    const tables = ['messages', 'conversations', 'contacts', 'outbox', 'groups', 'expiries'];
    return this.db.dexie.transaction('rw', tables, async () => {
      const conversation = await this.db.conversations.get(conversationId);
      if (conversation === undefined)
        throw new EngineError(EngineErrorCode.UnknownConversation, 'no such conversation');
      const unread = await this.db.messages
        .where('[conversationId+direction+state]')
        .equals([conversationId, 'incoming', 'delivered'])
        .toArray();
      const through = options.through;
      // In the conversation's order (the index returns them by hash), so receipts name them as they were read.
      const seen = unread
        .filter((message) => through === undefined || message.position <= through)
        .sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
      const now = this.clock.now();
      const bySender = new Map<AccountId, string[]>();
      let timersStarted = 0;
      for (const message of seen) {
        await this.db.messages.update(message.id, { state: 'read' });
        if ((await startExpiry(this.db, message, now)) !== null) timersStarted++;
        if (message.kind !== 'text' || !options.receipts) continue;
        const ids = bySender.get(message.senderAccountId) ?? [];
        ids.push(message.id);
        bySender.set(message.senderAccountId, ids);
      }
      let receiptsQueued = 0;
      for (const [sender, ids] of options.receipts ? bySender : []) {
        // A group's members get read receipts for its texts (the group reaches them); others only as contacts.
        const member =
          conversation.kind === 'group' && isJoinedMember(await this.db.groups.get(conversation.peerId), sender);
        if (!member && !isAcceptedContact(await this.db.contacts.get(sender))) continue;
        receiptsQueued += await queueReadReceipts(this.db, sender, conversationId, ids, now);
      }
      const unreadCount = unread.length - seen.length;
      if (conversation.unreadCount !== unreadCount) await this.db.conversations.update(conversationId, { unreadCount });
      return { messageIds: seen.map((message) => message.id), receiptsQueued, timersStarted };
    });
  }
}

/** Queues read receipts for `messageIds` (in chunks the content allows) to `recipient`; answers how many. */
export async function queueReadReceipts(
  db: EngineDatabase,
  recipient: AccountId,
  conversationId: string,
  messageIds: readonly string[],
  now: number,
): Promise<number> {
  let queued = 0;
  for (let i = 0; i < messageIds.length; i += MAX_RECEIPT_MESSAGE_IDS) {
    const receipt: OutboxReceiptRecord = {
      kind: 'receipt',
      receiptKind: 'read',
      messageIds: messageIds.slice(i, i + MAX_RECEIPT_MESSAGE_IDS),
      recipient,
      conversationId,
      attempts: 0,
      nextAttemptAt: now,
      lastError: null,
      createdAt: now,
    };
    await db.outbox.add(receipt);
    queued++;
  }
  return queued;
}
