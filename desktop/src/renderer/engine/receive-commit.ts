/**
 * The receive path's one Dexie transaction: everything a batch changes
 * commits together or not at all, and only after it commits does the relay
 * get its ack. Inside: the envelope ids (de-duplication across redelivery),
 * new messages (de-duplicated again by message id: a sender that resent after
 * a lost acknowledgement uses the same id), conversations and unread counts,
 * delivery receipts to send (queued in the outbox, so they survive a restart),
 * receipts applied to own messages (forward only), and identity-change notices.
 *
 * Only IndexedDB work happens in here: bodies and previews were sealed
 * before (an await on WebCrypto would end the transaction early).
 */

import { MAX_RECEIPT_MESSAGE_IDS } from '@parley/crypto-core/content';
import type { AccountId } from '@parley/crypto-core/wire';
import { directConversationId } from './conversation-ids.js';
import type { EngineDatabase } from './database.js';
import { type IdentityNotice, writeIdentityNotice } from './identity-notices.js';
import { isAhead } from './message-state.js';
import type { IncomingMessage, IncomingReceipt } from './receive-plan.js';
import type {
  ContactRecord,
  ConversationRecord,
  EncryptedField,
  MessageRecord,
  MessageState,
  OutboxReceiptRecord,
} from './records.js';

export interface SealedIncomingMessage extends IncomingMessage {
  readonly sealedBody: EncryptedField | null;
}

export interface SealedPreview {
  readonly messageId: string;
  readonly preview: EncryptedField;
}

export interface ReceiveCommitInput {
  readonly messages: readonly SealedIncomingMessage[];
  /** Per conversation: the preview of the batch's newest message there. */
  readonly previews: ReadonlyMap<string, SealedPreview>;
  readonly receipts: readonly IncomingReceipt[];
  readonly identityChanges: readonly AccountId[];
  readonly envelopeIds: readonly string[];
  /** Where strangers who write to us can be answered (the relay they reached us on). */
  readonly relayUrl: string;
  readonly now: number;
  readonly newId: () => string;
}

export interface StateChange {
  readonly conversationId: string;
  readonly messageId: string;
  readonly state: MessageState;
}

export interface ReceiveCommitResult {
  /** Messages stored for the first time. */
  readonly stored: readonly MessageRecord[];
  readonly stateChanges: readonly StateChange[];
  readonly notices: readonly IdentityNotice[];
  /** Delivery receipts were queued (the outbox has work). */
  readonly receiptsQueued: boolean;
  /** Own messages still in the outbox that a receipt proved delivered: removed from it. */
  readonly outboxItemsRemoved: number;
}

const TABLES = ['messages', 'conversations', 'contacts', 'receivedEnvelopes', 'outbox'] as const;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function commitReceived(db: EngineDatabase, input: ReceiveCommitInput): Promise<ReceiveCommitResult> {
  return db.dexie.transaction('rw', [...TABLES], async () => {
    // A copy of an envelope already committed (by an earlier batch) changes nothing.
    const seen = await db.receivedEnvelopes.bulkGet([...input.envelopeIds]);
    const seenIds = new Set(input.envelopeIds.filter((_, index) => seen[index] !== undefined));

    const stored: MessageRecord[] = [];
    const receiptIdsBySender = new Map<AccountId, string[]>();
    const conversations = new Map<string, ConversationRecord>();
    const storedIds = new Set<string>();

    for (const message of input.messages) {
      if (seenIds.has(message.envelopeId)) continue;
      if (message.kind === 'text') {
        // Receipt for first copies and for resent copies alike: the sender may have missed our first one.
        const ids = receiptIdsBySender.get(message.senderAccountId) ?? [];
        ids.push(message.messageId);
        receiptIdsBySender.set(message.senderAccountId, ids);
      }
      if (storedIds.has(message.messageId) || (await db.messages.get(message.messageId)) !== undefined) continue;
      const conversation = await ensureConversation(db, conversations, message, input);
      const record: MessageRecord = {
        id: message.messageId,
        conversationId: message.conversationId,
        kind: message.kind,
        direction: 'incoming',
        senderAccountId: message.senderAccountId,
        sentAt: message.sentAt,
        receivedAt: input.now,
        sortKey: message.sortKey,
        state: 'delivered',
        envelopeId: message.envelopeId,
        serverTimestamp: message.serverTimestamp,
        body: message.sealedBody,
      };
      await db.messages.add(record);
      stored.push(record);
      storedIds.add(record.id);
      conversation.unreadCount += 1;
      conversation.lastActivityAt = Math.max(conversation.lastActivityAt, Math.min(message.sentAt, input.now));
      const preview = input.previews.get(message.conversationId);
      if (message.sortKey > conversation.lastSortKey) {
        conversation.lastSortKey = message.sortKey;
        conversation.preview = preview?.messageId === message.messageId ? preview.preview : null;
      }
    }
    if (conversations.size > 0) await db.conversations.bulkPut([...conversations.values()]);

    let receiptsQueued = false;
    for (const [recipient, ids] of receiptIdsBySender) {
      for (const messageIds of chunks(ids, MAX_RECEIPT_MESSAGE_IDS)) {
        const receipt: OutboxReceiptRecord = {
          kind: 'receipt',
          receiptKind: 'delivery',
          messageIds,
          recipient,
          conversationId: directConversationId(recipient),
          attempts: 0,
          nextAttemptAt: input.now,
          heldForIdentity: false,
          lastError: null,
          createdAt: input.now,
        };
        await db.outbox.add(receipt);
        receiptsQueued = true;
      }
    }

    const { stateChanges, outboxItemsRemoved } = await applyReceipts(db, input.receipts);

    const notices: IdentityNotice[] = [];
    for (const accountId of new Set(input.identityChanges)) {
      const notice = await writeIdentityNotice(db, accountId, input.now, input.newId);
      if (notice !== null) notices.push(notice);
    }

    const fresh = input.envelopeIds.filter((id) => !seenIds.has(id));
    if (fresh.length > 0) {
      await db.receivedEnvelopes.bulkPut(fresh.map((envelopeId) => ({ envelopeId, receivedAt: input.now })));
    }
    return { stored, stateChanges, notices, receiptsQueued, outboxItemsRemoved };
  });
}

async function ensureConversation(
  db: EngineDatabase,
  cache: Map<string, ConversationRecord>,
  message: IncomingMessage,
  input: ReceiveCommitInput,
): Promise<ConversationRecord> {
  const cached = cache.get(message.conversationId);
  if (cached !== undefined) return cached;
  if ((await db.contacts.get(message.senderAccountId)) === undefined) {
    // Someone wrote first: keep them as a contact without a name (the UI shows the account id).
    const contact: ContactRecord = {
      accountId: message.senderAccountId,
      displayName: null,
      relayUrl: input.relayUrl,
      verified: false,
      identityChangedAt: null,
      origin: 'incoming',
      addedAt: input.now,
    };
    await db.contacts.add(contact);
  }
  const existing = await db.conversations.get(message.conversationId);
  const fresh = {
    id: message.conversationId,
    title: null,
    lastActivityAt: 0,
    lastSortKey: '',
    unreadCount: 0,
    preview: null,
    createdAt: input.now,
  };
  const conversation: ConversationRecord =
    existing ??
    (message.groupId === null
      ? { ...fresh, kind: 'direct', peerId: message.senderAccountId }
      : { ...fresh, kind: 'group', peerId: message.groupId });
  cache.set(conversation.id, conversation);
  return conversation;
}

/**
 * Moves own messages forward on a receipt. Only messages in the direct
 * conversation with the receipt's sender qualify: nobody can mark messages
 * they were not sent as read.
 */
async function applyReceipts(
  db: EngineDatabase,
  receipts: readonly IncomingReceipt[],
): Promise<{ stateChanges: StateChange[]; outboxItemsRemoved: number }> {
  const stateChanges: StateChange[] = [];
  let outboxItemsRemoved = 0;
  for (const receipt of receipts) {
    const conversationId = directConversationId(receipt.senderAccountId);
    const target: MessageState = receipt.kind === 'read' ? 'read' : 'delivered';
    const messages = await db.messages.bulkGet([...receipt.messageIds]);
    for (const message of messages) {
      if (message === undefined || message.direction !== 'outgoing' || message.conversationId !== conversationId) {
        continue;
      }
      if (!isAhead(target, message.state)) continue;
      const wasPending = message.state === 'sending' || message.state === 'failed';
      await db.messages.update(message.id, { state: target });
      stateChanges.push({ conversationId, messageId: message.id, state: target });
      if (wasPending) {
        // Delivered already (the relay's answer to our send was lost): sending it again would only duplicate it.
        outboxItemsRemoved += await db.outbox.where('messageId').equals(message.id).delete();
      }
    }
  }
  return { stateChanges, outboxItemsRemoved };
}
