/**
 * Writing messages: a text is stored (state `sending`) together
 * with its outbox item in one transaction, so it is either queued or not
 * there at all; the outbox worker does the rest. `retry` queues a failed
 * message again under the same id, so a receiver that did get an earlier copy
 * shows it once.
 */

import { MAX_MENTIONS, mentionRangesProblem, mentionSchema } from '@parley/crypto-core/content';
import { utf8 } from '@parley/crypto-core/encoding';
import type { AccountId } from '@parley/crypto-core/wire';
import type { MonotonicClock } from './clock.js';
import { messageSortKey } from './conversation-ids.js';
import type { EngineDatabase } from './database.js';
import { EngineError, EngineErrorCode } from './errors.js';
import { previewOf } from './previews.js';
import type {
  ConversationRecord,
  MentionRecord,
  MessageRecord,
  NewMessageRecord,
  OutboxGroupTextRecord,
  OutboxTextRecord,
  QuoteRecord,
} from './records.js';

/**
 * Largest body (UTF-8 bytes). Content is padded to at most 64 KiB before
 * encryption; this leaves room for the JSON around the text.
 */
export const MAX_BODY_BYTES = 60_000;

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export function checkBody(body: string): void {
  if (body.trim().length === 0) throw new EngineError(EngineErrorCode.InvalidMessage, 'the message is empty');
  if (LONE_SURROGATE.test(body)) {
    throw new EngineError(EngineErrorCode.InvalidMessage, 'the message contains malformed characters');
  }
  if (utf8(body).byteLength > MAX_BODY_BYTES) {
    throw new EngineError(EngineErrorCode.InvalidMessage, `the message is longer than ${MAX_BODY_BYTES} bytes`);
  }
}

/** Mentions a text may carry (docs/protocol.md §6): well-formed, at most MAX_MENTIONS, ranges in order inside the body. */
export function checkMentions(body: string, mentions: readonly MentionRecord[]): void {
  if (mentions.length > MAX_MENTIONS) {
    throw new EngineError(EngineErrorCode.InvalidMessage, `a message mentions at most ${MAX_MENTIONS} people`);
  }
  for (const mention of mentions) {
    if (!mentionSchema.safeParse(mention).success) {
      throw new EngineError(EngineErrorCode.InvalidMessage, 'a mention is malformed');
    }
  }
  const problem = mentionRangesProblem(body, mentions);
  if (problem !== undefined) throw new EngineError(EngineErrorCode.InvalidMessage, problem);
}

export class Composer {
  constructor(
    private readonly db: EngineDatabase,
    private readonly context: {
      readonly ownAccountId: AccountId;
      readonly clock: MonotonicClock;
      readonly newId: () => string;
    },
  ) {}

  /**
   * Stores the message and queues it; returns the stored message. A reply
   * carries its `quote` (conversation-send.ts quoteOf); the conversation's
   * disappearing timer, when on, goes with the message and starts now. A
   * group text may mention members (`mentions`, ranges of the body).
   */
  async sendText(
    conversationId: string,
    body: string,
    quote: QuoteRecord | null = null,
    mentions: readonly MentionRecord[] = [],
  ): Promise<MessageRecord> {
    checkBody(body);
    checkMentions(body, mentions);
    const conversation = await this.db.conversations.get(conversationId);
    if (conversation === undefined) {
      throw new EngineError(EngineErrorCode.UnknownConversation, 'no such conversation');
    }
    if (mentions.length > 0 && conversation.kind !== 'group') {
      throw new EngineError(EngineErrorCode.InvalidMessage, 'mentions are only sent in groups');
    }
    if (conversation.kind === 'group') await this.#checkJoined(conversation.peerId);
    const id = this.context.newId();
    const sentAt = this.context.clock.now();
    const preview = previewOf(body);
    const expireTimer = conversation.expireTimer ?? 0;
    const message: NewMessageRecord = {
      id,
      conversationId,
      kind: 'text',
      direction: 'outgoing',
      senderAccountId: this.context.ownAccountId,
      sentAt,
      receivedAt: null,
      sortKey: messageSortKey(sentAt, id),
      state: 'sending',
      envelopeId: null,
      serverTimestamp: null,
      body,
      ...(quote === null ? {} : { quote }),
      ...(mentions.length === 0 ? {} : { mentions, mentionsMe: false }),
      ...(expireTimer > 0 ? { expireTimer, expiresAt: sentAt + expireTimer * 1000 } : {}),
    };
    const item = this.#item(conversation, id, sentAt);
    return this.db.dexie.transaction('rw', ['messages', 'outbox', 'conversations', 'expiries'], async () => {
      await this.db.messages.add(message);
      if (message.expiresAt !== undefined && message.expiresAt !== null) {
        await this.db.expiries.put({ messageId: id, conversationId, expiresAt: message.expiresAt });
      }
      await this.db.outbox.add(item);
      const current = await this.db.conversations.get(conversationId);
      if (current === undefined) throw new EngineError(EngineErrorCode.UnknownConversation, 'no such conversation');
      const newest = message.sortKey > current.lastSortKey;
      await this.db.conversations.update(conversationId, {
        lastActivityAt: Math.max(current.lastActivityAt, sentAt),
        ...(newest ? { lastSortKey: message.sortKey, preview } : {}),
      });
      // Read back: the stored record carries the position the history gave it.
      const stored = await this.db.messages.get(id);
      if (stored === undefined) throw new EngineError(EngineErrorCode.Storage, 'the message was not stored');
      return stored;
    });
  }

  /**
   * The outbox item of a text: to the peer of a direct conversation; for a
   * group, one item that the worker sends to every joined member
   * (groups/group-send.ts), its `recipient` our own account.
   */
  #item(conversation: ConversationRecord, messageId: string, now: number): OutboxTextRecord | OutboxGroupTextRecord {
    const common = {
      messageId,
      conversationId: conversation.id,
      attempts: 0,
      nextAttemptAt: now,
      lastError: null,
      createdAt: now,
    };
    if (conversation.kind === 'direct') return { kind: 'text', recipient: conversation.peerId, ...common };
    return {
      kind: 'group-text',
      groupId: conversation.peerId,
      relaysDone: [],
      recipient: this.context.ownAccountId,
      ...common,
    };
  }

  /** Only a joined member writes to a group. */
  async #checkJoined(groupId: string): Promise<void> {
    const group = await this.db.groups.get(groupId);
    if (group === undefined) throw new EngineError(EngineErrorCode.UnknownGroup, 'no such group');
    if (group.membership !== 'joined') {
      throw new EngineError(EngineErrorCode.GroupChangeNotAllowed, 'only a joined member writes to the group');
    }
  }

  /** Queues a failed own message again. */
  async retry(messageId: string): Promise<MessageRecord> {
    return this.db.dexie.transaction('rw', ['messages', 'outbox', 'conversations'], async () => {
      const message = await this.db.messages.get(messageId);
      if (message === undefined || message.direction !== 'outgoing' || message.kind !== 'text') {
        throw new EngineError(EngineErrorCode.UnknownMessage, 'no such message of yours');
      }
      if (message.state !== 'failed') return message;
      const now = this.context.clock.now();
      const conversation = await this.db.conversations.get(message.conversationId);
      if (conversation === undefined)
        throw new EngineError(EngineErrorCode.UnknownConversation, 'no such conversation');
      await this.db.outbox.where('messageId').equals(messageId).delete();
      await this.db.outbox.add(this.#item(conversation, messageId, now));
      await this.db.messages.update(messageId, { state: 'sending' });
      return { ...message, state: 'sending' };
    });
  }
}
