/**
 * Our own conversation actions (docs/protocol.md §6, Conversation features):
 * react, edit, delete for everyone, delete for me, the disappearing timer,
 * and the quote a reply carries. Each action is applied here by the same
 * rules a receiver applies (conversation-actions.ts) and queued to the peer
 * in the same transaction (an `action` outbox item). Direct conversations
 * only: in a group, replies work (the quote travels in the text) but these
 * actions are not sent yet.
 */
import { expireTimerSettingSchema, MAX_QUOTE_TEXT_LENGTH } from '@parley/crypto-core/content';
import type { AccountId } from '@parley/crypto-core/wire';
import type { MonotonicClock } from './clock.js';
import { checkBody } from './composer.js';
import { applyAction, canDeleteForEveryone, canEdit, type MessageAction, saveChanged } from './conversation-actions.js';
import type { EngineDatabase } from './database.js';
import { applyTimerChange, type TimerChange } from './disappearing-timer.js';
import { EngineError, EngineErrorCode } from './errors.js';
import type {
  ConversationRecord,
  DirectConversationRecord,
  MessageRecord,
  NewMessageRecord,
  OutboxActionRecord,
  QuoteRecord,
} from './records.js';

const TABLES = ['messages', 'outbox', 'conversations', 'heldActions', 'expiries'] as const;

/** A quote's snippet: the start of the text, on one line, within the protocol's limit. */
export function quoteSnippet(body: string | null): string {
  const oneLine = (body ?? '').replace(/\s+/g, ' ').trim();
  if (oneLine.length <= MAX_QUOTE_TEXT_LENGTH) return oneLine;
  // Never cut a surrogate pair in two (the content refuses lone surrogates).
  const cut = Array.from(oneLine.slice(0, MAX_QUOTE_TEXT_LENGTH - 1));
  if (cut.join('').length > MAX_QUOTE_TEXT_LENGTH - 1) cut.pop();
  return `${cut.join('')}…`;
}

export class ConversationActions {
  constructor(
    private readonly db: EngineDatabase,
    private readonly context: {
      readonly ownAccountId: AccountId;
      readonly clock: MonotonicClock;
      readonly newId: () => string;
    },
  ) {}

  /** The quote of a reply to `messageId` in `conversationId` (a text, not deleted). */
  async quoteOf(conversationId: string, messageId: string): Promise<QuoteRecord> {
    const message = await this.db.messages.get(messageId);
    if (
      message === undefined ||
      message.conversationId !== conversationId ||
      message.kind !== 'text' ||
      (message.deletedAt ?? null) !== null
    ) {
      throw new EngineError(EngineErrorCode.UnknownMessage, 'no such message to reply to');
    }
    return { id: message.id, author: message.senderAccountId, text: quoteSnippet(message.body) };
  }

  /** Sets, changes (`emoji`) or removes (null) our reaction to a message. */
  async react(messageId: string, emoji: string | null): Promise<MessageRecord> {
    return this.db.dexie.transaction('rw', [...TABLES], async () => {
      const { message, conversation } = await this.#target(messageId);
      const action: MessageAction = {
        type: 'reaction',
        id: this.context.newId(),
        sentAt: this.context.clock.now(),
        targetMessageId: message.id,
        targetAuthor: message.senderAccountId,
        ...(emoji === null ? {} : { emoji }),
      };
      return this.#apply(message, conversation, action);
    });
  }

  /** Replaces the text of our own message (within EDIT_WINDOW_MS, at most MAX_EDITS times). */
  async edit(messageId: string, body: string): Promise<MessageRecord> {
    checkBody(body);
    return this.db.dexie.transaction('rw', [...TABLES], async () => {
      const { message, conversation } = await this.#target(messageId);
      const now = this.context.clock.now();
      if (!canEdit(message, now)) {
        throw new EngineError(EngineErrorCode.InvalidMessage, 'this message can no longer be edited');
      }
      if (message.body === body) return message;
      const action: MessageAction = {
        type: 'edit',
        id: this.context.newId(),
        sentAt: now,
        targetMessageId: message.id,
        body,
        editNumber: (message.editNumber ?? 0) + 1,
      };
      return this.#apply(message, conversation, action);
    });
  }

  /** Deletes our own message for everyone (within DELETE_FOR_EVERYONE_WINDOW_MS): a tombstone on both sides. */
  async deleteForEveryone(messageId: string): Promise<MessageRecord> {
    return this.db.dexie.transaction('rw', [...TABLES], async () => {
      const { message, conversation } = await this.#target(messageId);
      const now = this.context.clock.now();
      if (!canDeleteForEveryone(message, now)) {
        throw new EngineError(EngineErrorCode.InvalidMessage, 'this message can no longer be deleted for everyone');
      }
      const action: MessageAction = {
        type: 'delete',
        id: this.context.newId(),
        sentAt: now,
        targetMessageId: message.id,
      };
      return this.#apply(message, conversation, action);
    });
  }

  /** Removes a message from this device only (any message of any conversation). */
  async deleteForMe(messageId: string): Promise<MessageRecord> {
    return this.db.dexie.transaction('rw', [...TABLES], async () => {
      const message = await this.db.messages.get(messageId);
      if (message === undefined) throw new EngineError(EngineErrorCode.UnknownMessage, 'no such message');
      await this.db.messages.delete(messageId);
      await this.db.expiries.delete(messageId);
      // A text still waiting to go stays unsent: it is gone here.
      await this.db.outbox.where('messageId').equals(messageId).delete();
      const conversation = await this.db.conversations.get(message.conversationId);
      if (conversation !== undefined && conversation.lastSortKey === message.sortKey) {
        await this.db.conversations.update(conversation.id, { preview: null });
      }
      return message;
    });
  }

  /** Sets the conversation's disappearing timer (0: off) for both sides; answers the line the history shows (null: unchanged). */
  async setExpireTimer(conversationId: string, seconds: number): Promise<NewMessageRecord | null> {
    if (!expireTimerSettingSchema.safeParse(seconds).success) {
      throw new EngineError(EngineErrorCode.InvalidMessage, 'not a disappearing-message timer');
    }
    return this.db.dexie.transaction('rw', [...TABLES], async () => {
      const conversation = await this.db.conversations.get(conversationId);
      if (conversation === undefined)
        throw new EngineError(EngineErrorCode.UnknownConversation, 'no such conversation');
      const direct = directOnly(conversation);
      if ((conversation.expireTimer ?? 0) === seconds) return null;
      const now = this.context.clock.now();
      const content: TimerChange = { type: 'expire-timer', id: this.context.newId(), sentAt: now, seconds };
      const line = await applyTimerChange(this.db, {
        conversationId,
        senderAccountId: this.context.ownAccountId,
        direction: 'outgoing',
        content,
        sortAt: now,
        now,
      });
      await this.#queue(direct, content);
      return line;
    });
  }

  async #target(messageId: string): Promise<{ message: MessageRecord; conversation: DirectConversationRecord }> {
    const message = await this.db.messages.get(messageId);
    if (message === undefined || message.kind !== 'text') {
      throw new EngineError(EngineErrorCode.UnknownMessage, 'no such message');
    }
    const conversation = await this.db.conversations.get(message.conversationId);
    if (conversation === undefined) throw new EngineError(EngineErrorCode.UnknownConversation, 'no such conversation');
    return { message, conversation: directOnly(conversation) };
  }

  async #apply(
    message: MessageRecord,
    conversation: DirectConversationRecord,
    action: MessageAction,
  ): Promise<MessageRecord> {
    const self = this.context.ownAccountId;
    const outcome = applyAction(message, self, action, self);
    if (outcome.kind === 'dropped') throw new EngineError(EngineErrorCode.InvalidMessage, outcome.reason);
    if (outcome.kind === 'unchanged') return message;
    await saveChanged(this.db, [outcome.message]);
    await this.#queue(conversation, action);
    return outcome.message;
  }

  async #queue(conversation: DirectConversationRecord, content: OutboxActionRecord['content']): Promise<void> {
    const now = this.context.clock.now();
    const item: OutboxActionRecord = {
      kind: 'action',
      content,
      recipient: conversation.peerId,
      conversationId: conversation.id,
      attempts: 0,
      nextAttemptAt: now,
      lastError: null,
      createdAt: now,
    };
    await this.db.outbox.add(item);
  }
}

function directOnly(conversation: ConversationRecord): DirectConversationRecord {
  if (conversation.kind !== 'direct') {
    throw new EngineError(
      EngineErrorCode.InvalidMessage,
      'reactions, edits, deletes and timers work in direct conversations only',
    );
  }
  return conversation;
}
