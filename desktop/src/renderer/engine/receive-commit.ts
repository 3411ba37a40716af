/**
 * The receive path's one Dexie transaction: everything a batch changes
 * commits together or not at all, and only after it commits does the relay
 * get its ack. Inside: the envelope ids (de-duplication across redelivery),
 * new messages (de-duplicated again by message id: a sender that resent after
 * a lost acknowledgement uses the same id), conversations and unread counts,
 * delivery receipts to send (queued in the outbox, so they survive a restart),
 * receipts applied to own messages (forward only), forged-key notices
 * (so a forged envelope is acked only once its notice is on disk), and the
 * contact access keys, names and avatars that profiles carried. Someone we
 * did not know who writes first becomes a message request (a contact record
 * with origin `incoming` and status `request`, message-requests.ts): they get
 * delivery receipts, as Signal sends them, but not our profile until the user
 * accepts.
 *
 * Only IndexedDB work happens in here (an await on anything else would end
 * the transaction early); the at-rest layer seals rows synchronously.
 */

import { MAX_RECEIPT_MESSAGE_IDS } from '@parley/crypto-core/content';
import type { AccountId } from '@parley/crypto-core/wire';
import { Dexie } from 'dexie';
import { applyProfiles, type IncomingProfile } from './contact-access.js';
import { applyActions, releaseHeldActions } from './conversation-actions.js';
import { directConversationId, groupIdOf } from './conversation-ids.js';
import type { EngineDatabase } from './database.js';
import { applyTimerChange } from './disappearing-timer.js';
import { type ForgeryNotice, type PreparedForgeryNotice, writeForgeryNotices } from './forgery-notices.js';
import { applyGroupReceipt, fromJoinedMembers } from './groups/group-message-receive.js';
import { applyGroupControl, type IncomingGroupControl } from './groups/group-receive.js';
import { isAhead } from './message-state.js';
import { previewOf } from './previews.js';
import { committedEnvelopeIds } from './receive-known-envelopes.js';
import type {
  IncomingMessage,
  IncomingMessageAction,
  IncomingReceipt,
  IncomingTimerChange,
  IncomingTyping,
} from './receive-plan.js';
import type {
  ContactRecord,
  ConversationRecord,
  MessageRecord,
  MessageState,
  NewMessageRecord,
  OutboxReceiptRecord,
} from './records.js';

export interface ReceiveCommitInput {
  readonly messages: readonly IncomingMessage[];
  readonly receipts: readonly IncomingReceipt[];
  /** Contact access keys that senders told us. */
  readonly profiles: readonly IncomingProfile[];
  /** Notices of forged keys, prepared (sealed) before the transaction. */
  readonly forgeryNotices: readonly PreparedForgeryNotice[];
  readonly envelopeIds: readonly string[];
  /** Where strangers who write to us can be answered (the relay they reached us on). */
  readonly relayUrl: string;
  /** Sealed senders' relays (receive-plan.ts): where a stranger's contact record says they live. */
  readonly senderRelays?: ReadonlyMap<AccountId, string>;
  /** Group control to merge (groups/group-receive.ts). */
  readonly groups?: readonly IncomingGroupControl[];
  /** Reactions, edits and deletes (conversation-actions.ts). */
  readonly actions?: readonly IncomingMessageAction[];
  /** Disappearing-timer changes (disappearing-timer.ts). */
  readonly timerChanges?: readonly IncomingTimerChange[];
  /** Typing indicators (not stored): those in a group are kept only from its joined members. */
  readonly typing?: readonly IncomingTyping[];
  readonly ownAccountId?: AccountId;
  readonly now: number;
}

export interface StateChange {
  readonly conversationId: string;
  readonly messageId: string;
  readonly state: MessageState;
}

export interface ReceiveCommitResult {
  /** Messages stored for the first time (timer-change lines included). */
  readonly stored: readonly NewMessageRecord[];
  /** Stored messages a reaction, edit or delete changed. */
  readonly changed: readonly MessageRecord[];
  /** History lines of disappearing-timer changes the peer made. */
  readonly timerLines: readonly NewMessageRecord[];
  readonly stateChanges: readonly StateChange[];
  readonly notices: readonly ForgeryNotice[];
  /** Delivery receipts or profiles were queued (the outbox has work). */
  readonly receiptsQueued: boolean;
  /** Own messages still in the outbox that a receipt proved delivered: removed from it. */
  readonly outboxItemsRemoved: number;
  /** The typing indicators to show: direct ones, and a group's from its joined members while we are one. */
  readonly typing: readonly IncomingTyping[];
}

const TABLES = [
  'messages',
  'conversations',
  'contacts',
  'receivedEnvelopes',
  'outbox',
  'groups',
  'groupChanges',
  'groupReceipts',
  'heldActions',
] as const;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function commitReceived(db: EngineDatabase, input: ReceiveCommitInput): Promise<ReceiveCommitResult> {
  // Every step reads or writes whole sets (bulkGet, bulkAdd, bulkPut): in
  // Chromium each IndexedDB request is a round trip to the browser process,
  // so a batch costs a handful of round trips, not two per message.
  return db.dexie.transaction('rw', [...TABLES], async () => {
    // A copy of an envelope already committed (by an earlier batch) changes nothing.
    const seenIds = await recordEnvelopeIds(db, input.envelopeIds, input.now);
    // Group control first: a text in the same batch may come from a member whose accept it carries.
    const groupControl = (input.groups ?? []).filter((entry) => !seenIds.has(entry.envelopeId));
    const groupItems =
      groupControl.length > 0 && input.ownAccountId !== undefined
        ? await applyGroupControl(db, groupControl, { self: input.ownAccountId, now: input.now })
        : 0;
    const arrived = await fromJoinedMembers(
      db,
      input.messages.filter((message) => !seenIds.has(message.envelopeId)),
    );
    const typing = await fromJoinedMembers(
      db,
      (input.typing ?? []).map((entry) => ({ ...entry, groupId: groupIdOf(entry.conversationId) })),
    );
    const profiles = input.profiles;
    // A group member who writes to the group is no message request: only direct texts make strangers contacts.
    await addStrangers(
      db,
      [
        ...arrived.flatMap((message) => (message.groupId === null ? [message.senderAccountId] : [])),
        ...profiles.map((profile) => profile.senderAccountId),
      ],
      input,
    );
    const profilesRequeued = await applyProfiles(db, profiles, input.now);

    const receiptIdsBySender = new Map<AccountId, string[]>();
    for (const message of arrived) {
      if (message.kind !== 'text') continue;
      // Receipt for first copies and for resent copies alike: the sender may have missed our first one.
      const ids = receiptIdsBySender.get(message.senderAccountId) ?? [];
      ids.push(message.messageId);
      receiptIdsBySender.set(message.senderAccountId, ids);
    }

    // One copy per message id; a copy of a message stored before fails its add and is skipped.
    const chosen = new Map<string, IncomingMessage>();
    for (const message of arrived) if (!chosen.has(message.messageId)) chosen.set(message.messageId, message);
    const stored = await addNewMessages(
      db,
      [...chosen.values()].map(
        (message): NewMessageRecord => ({
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
          body: message.body,
          ...(message.quote === undefined ? {} : { quote: message.quote }),
          ...(message.expireTimer === undefined ? {} : { expireTimer: message.expireTimer }),
          ...(message.mentions === undefined
            ? {}
            : { mentions: message.mentions, mentionsMe: message.mentionsMe === true }),
        }),
      ),
    );
    const toStore = stored.flatMap((record) => {
      const message = chosen.get(record.id);
      return message === undefined ? [] : [message];
    });

    const conversations = await loadConversations(db, toStore, input);
    for (const message of toStore) {
      const conversation = conversations.get(message.conversationId);
      if (conversation === undefined) throw new Error(`conversation ${message.conversationId} was not loaded`);
      conversation.unreadCount += 1;
      conversation.lastActivityAt = Math.max(conversation.lastActivityAt, Math.min(message.sentAt, input.now));
      if (message.sortKey > conversation.lastSortKey) {
        conversation.lastSortKey = message.sortKey;
        conversation.preview = message.body === null ? null : previewOf(message.body);
      }
    }
    if (conversations.size > 0) await db.conversations.bulkPut([...conversations.values()]);

    const receipts: OutboxReceiptRecord[] = [];
    for (const [recipient, ids] of receiptIdsBySender) {
      for (const messageIds of chunks(ids, MAX_RECEIPT_MESSAGE_IDS)) {
        receipts.push({
          kind: 'receipt',
          receiptKind: 'delivery',
          messageIds,
          recipient,
          conversationId: directConversationId(recipient),
          attempts: 0,
          nextAttemptAt: input.now,
          lastError: null,
          createdAt: input.now,
        });
      }
    }
    if (receipts.length > 0) await db.outbox.bulkAdd(receipts);

    const { stateChanges, outboxItemsRemoved } = await applyReceipts(db, input.receipts, input.now);

    const notices = await writeForgeryNotices(db, input.forgeryNotices);

    // After the messages: an action in the same batch as its message finds it; one that came first waited for it.
    const self = input.ownAccountId;
    const changed =
      self === undefined
        ? []
        : [
            ...(await releaseHeldActions(
              db,
              stored.map((record) => record.id),
              { self, now: input.now },
            )),
            ...(await applyActions(
              db,
              (input.actions ?? []).filter((action) => !seenIds.has(action.envelopeId)),
              { self, now: input.now },
            )),
          ];
    const timerLines: NewMessageRecord[] = [];
    for (const change of input.timerChanges ?? []) {
      if (seenIds.has(change.envelopeId)) continue;
      const line = await applyTimerChange(db, {
        conversationId: change.conversationId,
        senderAccountId: change.senderAccountId,
        direction: 'incoming',
        content: change.content,
        sortAt: change.sortAt,
        now: input.now,
      });
      if (line !== null) timerLines.push(line);
    }

    return {
      stored,
      changed,
      timerLines,
      stateChanges,
      notices,
      receiptsQueued: receipts.length > 0 || profilesRequeued || groupItems > 0,
      outboxItemsRemoved,
      typing: typing.map(({ groupId: _groupId, ...entry }) => entry),
    };
  });
}

/**
 * Records the batch's envelope ids as committed (they commit with the rest
 * of the transaction) and answers which were recorded before. One row holds
 * the batch: one request. The unique multi-entry index refuses it when any
 * id was recorded before (ConstraintError, caught; the transaction goes on),
 * and only then are the ids looked up one by one and the fresh ones recorded.
 */
async function recordEnvelopeIds(
  db: EngineDatabase,
  envelopeIds: readonly string[],
  now: number,
): Promise<Set<string>> {
  const ids = [...new Set(envelopeIds)];
  if (ids.length === 0) return new Set();
  if (await addEnvelopeRow(db, ids, now)) return new Set();
  const seen = await committedEnvelopeIds(db, ids);
  const fresh = ids.filter((id) => !seen.has(id));
  if (fresh.length > 0) await db.receivedEnvelopes.add({ envelopeIds: fresh, receivedAt: now });
  return seen;
}

/** False when an id of the row is recorded already (the row is not added). */
async function addEnvelopeRow(db: EngineDatabase, envelopeIds: readonly string[], now: number): Promise<boolean> {
  try {
    await db.receivedEnvelopes.bulkAdd([{ envelopeIds, receivedAt: now }]);
    return true;
  } catch (error) {
    if (!(error instanceof Dexie.BulkError)) throw error;
    if (Object.values(error.failuresByPos).some((failure) => failure.name !== 'ConstraintError')) throw error;
    return false;
  }
}

/**
 * Adds the records in one request per record, none awaited alone; an id
 * already stored (ConstraintError) is skipped without aborting the
 * transaction, any other failure throws. Returns the records added, in order.
 */
async function addNewMessages(db: EngineDatabase, records: readonly NewMessageRecord[]): Promise<NewMessageRecord[]> {
  if (records.length === 0) return [];
  try {
    await db.messages.bulkAdd([...records]);
    return [...records];
  } catch (error) {
    if (!(error instanceof Dexie.BulkError)) throw error;
    const failures = error.failuresByPos;
    if (Object.values(failures).some((failure) => failure.name !== 'ConstraintError')) throw error;
    return records.filter((_, index) => failures[index] === undefined);
  }
}

/**
 * Senders without a contact record wrote first: each becomes a message
 * request, without a name the user gave (the UI shows their profile name or
 * the account id) and without a key until their profile comes. Nothing of
 * ours is queued to them: our profile waits for the user to accept.
 */
async function addStrangers(
  db: EngineDatabase,
  senderIds: readonly AccountId[],
  input: ReceiveCommitInput,
): Promise<void> {
  if (senderIds.length === 0) return;
  const senders = [...new Set(senderIds)];
  const contacts = await db.contacts.bulkGet(senders);
  const strangers = senders.filter((_, index) => contacts[index] === undefined);
  if (strangers.length === 0) return;
  await db.contacts.bulkAdd(
    strangers.map(
      (accountId): ContactRecord => ({
        accountId,
        displayName: null,
        relayUrl: input.senderRelays?.get(accountId) ?? input.relayUrl,
        verified: false,
        origin: 'incoming',
        addedAt: input.now,
        accessKey: null,
        accessDeniedAt: null,
        status: 'request',
        blockedAt: null,
        profileName: null,
        profileAvatar: null,
      }),
    ),
  );
}

/** The conversations the new messages go to, read (or created) in one go. */
async function loadConversations(
  db: EngineDatabase,
  messages: readonly IncomingMessage[],
  input: ReceiveCommitInput,
): Promise<Map<string, ConversationRecord>> {
  const conversations = new Map<string, ConversationRecord>();
  if (messages.length === 0) return conversations;
  const firstByConversation = new Map<string, IncomingMessage>();
  for (const message of messages) {
    if (!firstByConversation.has(message.conversationId)) firstByConversation.set(message.conversationId, message);
  }
  const ids = [...firstByConversation.keys()];
  const existing = await db.conversations.bulkGet(ids);
  ids.forEach((id, index) => {
    const message = firstByConversation.get(id);
    if (message === undefined) return;
    const fresh = {
      id,
      title: null,
      lastActivityAt: 0,
      lastSortKey: '',
      unreadCount: 0,
      preview: null,
      createdAt: input.now,
    };
    conversations.set(
      id,
      existing[index] ??
        (message.groupId === null
          ? { ...fresh, kind: 'direct', peerId: message.senderAccountId }
          : { ...fresh, kind: 'group', peerId: message.groupId }),
    );
  });
  return conversations;
}

/**
 * Moves own messages forward on a receipt. Only messages in the direct
 * conversation with the receipt's sender qualify, or our group messages to a
 * group it is a member of (groups/group-message-receive.ts): nobody can mark
 * messages they were not sent as read. All receipts of the batch are read and written
 * in one go; a later receipt sees what an earlier one changed.
 */
async function applyReceipts(
  db: EngineDatabase,
  receipts: readonly IncomingReceipt[],
  now: number,
): Promise<{ stateChanges: StateChange[]; outboxItemsRemoved: number }> {
  const stateChanges: StateChange[] = [];
  if (receipts.length === 0) return { stateChanges, outboxItemsRemoved: 0 };
  const ids = [...new Set(receipts.flatMap((receipt) => receipt.messageIds))];
  const rows = await db.messages.bulkGet(ids);
  const byId = new Map<string, MessageRecord>();
  for (const row of rows) if (row !== undefined) byId.set(row.id, row);
  const changed = new Map<string, MessageRecord>();
  const deliveredWhilePending = new Set<string>();
  for (const receipt of receipts) {
    const conversationId = directConversationId(receipt.senderAccountId);
    const target: MessageState = receipt.kind === 'read' ? 'read' : 'delivered';
    for (const id of receipt.messageIds) {
      const message = byId.get(id);
      if (message === undefined || message.direction !== 'outgoing') continue;
      if (message.kind === 'text' && message.conversationId !== conversationId) {
        // Our group message: the member's own row, and the message as far as the last member.
        const state = await applyGroupReceipt(db, message, receipt.senderAccountId, target);
        if (state === null) continue;
        const updated: MessageRecord = { ...message, state };
        byId.set(id, updated);
        changed.set(id, updated);
        stateChanges.push({ conversationId: message.conversationId, messageId: id, state });
        continue;
      }
      if (message.conversationId !== conversationId) continue;
      if (!isAhead(target, message.state)) continue;
      // Delivered already (the relay's answer to our send was lost): sending it again would only duplicate it.
      if (message.state === 'sending' || message.state === 'failed') deliveredWhilePending.add(id);
      // The times message info shows; a read receipt also says it was delivered.
      const updated: MessageRecord = {
        ...message,
        state: target,
        deliveredAt: message.deliveredAt ?? now,
        ...(target === 'read' ? { readAt: message.readAt ?? now } : {}),
      };
      byId.set(id, updated);
      changed.set(id, updated);
      stateChanges.push({ conversationId, messageId: id, state: target });
    }
  }
  if (changed.size > 0) await db.messages.bulkPut([...changed.values()]);
  // messageId is stored hashed: equality lookups, one per id (never anyOf, which needs order).
  const removed = await Promise.all(
    [...deliveredWhilePending].map((id) => db.outbox.where('messageId').equals(id).delete()),
  );
  const outboxItemsRemoved = removed.reduce((sum, count) => sum + count, 0);
  return { stateChanges, outboxItemsRemoved };
}
