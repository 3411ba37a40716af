/**
 * Reading a conversation: its incoming messages become `read`, its unread
 * count goes to zero, and read receipts for those messages are queued to the
 * sender, all in one transaction (the outbox sends them when it can).
 */
import { MAX_RECEIPT_MESSAGE_IDS } from '@parley/crypto-core/content';
import type { AccountId } from '@parley/crypto-core/wire';
import type { Clock } from './clock.js';
import type { EngineDatabase } from './database.js';
import { EngineError, EngineErrorCode } from './errors.js';
import type { OutboxReceiptRecord } from './records.js';

export interface MarkReadResult {
  readonly messageIds: readonly string[];
  readonly receiptsQueued: number;
}

export class ReadReceipts {
  constructor(
    private readonly db: EngineDatabase,
    private readonly clock: Clock,
  ) {}

  /** `receipts: false` marks read here only (a copy taken over by another install sends nothing). */
  markRead(conversationId: string, options: { receipts: boolean } = { receipts: true }): Promise<MarkReadResult> {
    return this.db.dexie.transaction('rw', ['messages', 'conversations', 'outbox'], async () => {
      const conversation = await this.db.conversations.get(conversationId);
      if (conversation === undefined)
        throw new EngineError(EngineErrorCode.UnknownConversation, 'no such conversation');
      const unread = await this.db.messages
        .where('[conversationId+direction+state]')
        .equals([conversationId, 'incoming', 'delivered'])
        .toArray();
      const now = this.clock.now();
      const bySender = new Map<AccountId, string[]>();
      for (const message of unread) {
        await this.db.messages.update(message.id, { state: 'read' });
        if (message.kind !== 'text') continue;
        const ids = bySender.get(message.senderAccountId) ?? [];
        ids.push(message.id);
        bySender.set(message.senderAccountId, ids);
      }
      let receiptsQueued = 0;
      for (const [sender, ids] of options.receipts ? bySender : []) {
        for (let i = 0; i < ids.length; i += MAX_RECEIPT_MESSAGE_IDS) {
          const receipt: OutboxReceiptRecord = {
            kind: 'receipt',
            receiptKind: 'read',
            messageIds: ids.slice(i, i + MAX_RECEIPT_MESSAGE_IDS),
            recipient: sender,
            conversationId,
            attempts: 0,
            nextAttemptAt: now,
            heldForIdentity: false,
            lastError: null,
            createdAt: now,
          };
          await this.db.outbox.add(receipt);
          receiptsQueued++;
        }
      }
      if (conversation.unreadCount !== 0) await this.db.conversations.update(conversationId, { unreadCount: 0 });
      return { messageIds: unread.map((message) => message.id), receiptsQueued };
    });
  }
}
