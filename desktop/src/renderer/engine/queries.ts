/**
 * Reads for the UI, shaped for Dexie's liveQuery: each does all its
 * IndexedDB reads first and decrypts afterwards (liveQuery tracks the reads;
 * WebCrypto awaits after them do not disturb it), e.g.
 *
 *   const conversations = liveQuery(() => engine.queries.conversations());
 *   const page = liveQuery(() => engine.queries.messagePage(id, { limit: 50 }));
 *
 * A conversation of 100,000 messages pages through its
 * [conversationId+sortKey] index: a page reads `limit` rows, not the
 * conversation.
 */

import type { AccountId } from '@parley/crypto-core/wire';
import { liveQuery as dexieLiveQuery } from 'dexie';
import type { BodyCipher, FieldScope } from './body-cipher.js';
import { MAX_SORT_KEY, MIN_SORT_KEY } from './conversation-ids.js';
import type { EngineDatabase } from './database.js';
import type { EngineLogger } from './logger.js';
import type {
  ContactRecord,
  ConversationKind,
  ConversationRecord,
  EncryptedField,
  MessageDirection,
  MessageKind,
  MessageRecord,
  MessageState,
} from './records.js';

export interface ContactView {
  readonly accountId: AccountId;
  readonly displayName: string | null;
  readonly relayUrl: string;
  readonly verified: boolean;
  readonly origin: ContactRecord['origin'];
}

export interface ConversationView {
  readonly id: string;
  readonly kind: ConversationKind;
  readonly peerId: string;
  /** What to call it: the contact's name, the group's title, or the start of the account id. */
  readonly name: string;
  readonly contact: ContactView | null;
  readonly lastActivityAt: number;
  readonly unreadCount: number;
  /** The newest text, shortened; null when there is none (or it cannot be read). */
  readonly preview: string | null;
}

export interface MessageView {
  readonly id: string;
  readonly conversationId: string;
  readonly kind: MessageKind;
  readonly direction: MessageDirection;
  readonly senderAccountId: AccountId;
  readonly sentAt: number;
  readonly receivedAt: number | null;
  readonly sortKey: string;
  readonly state: MessageState;
  /**
   * The text (kind 'text'), or the URL of the relay a 'forged-key' notice
   * names; null for other notices, or when the stored body cannot be decrypted.
   */
  readonly body: string | null;
}

export interface MessagePage {
  /** Oldest first. */
  readonly messages: readonly MessageView[];
  /** More messages exist before the first one (pass its sortKey as `before`). */
  readonly hasOlder: boolean;
}

export interface PageRequest {
  /** Only messages sorting before this key (exclusive); default: the newest. */
  readonly before?: string;
  readonly limit?: number;
}

export const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;

export interface RangeRequest {
  /** Oldest sort key to include (inclusive); default: the oldest message. */
  readonly from?: string;
  /** Newest sort key to include (inclusive); default: open, up to the newest message. */
  readonly to?: string;
  /** At most this many (default and cap 2,000). */
  readonly limit?: number;
  /** Bodies already decrypted, by message id, reused as they are. */
  readonly knownBodies?: ReadonlyMap<string, string | null>;
}

export interface MessageRange {
  /** Oldest first. */
  readonly messages: readonly MessageView[];
  /** Messages exist before the first one. */
  readonly hasOlder: boolean;
  /** Messages exist after the last one. */
  readonly hasNewer: boolean;
}

export interface SortKeyStep {
  /** Start here (exclusive); default: the newest message (older) or the oldest (newer). */
  readonly from?: string;
  readonly direction: 'older' | 'newer';
  readonly count: number;
}

export interface SortKeyAway {
  /** The sort key reached; null when no message lies that way. */
  readonly sortKey: string | null;
  /** Fewer than `count` messages lay that way: `sortKey` is the last one there. */
  readonly reachedEnd: boolean;
}

const MAX_RANGE_SIZE = 2000;

function toMessageView(message: MessageRecord, body: string | null): MessageView {
  return {
    id: message.id,
    conversationId: message.conversationId,
    kind: message.kind,
    direction: message.direction,
    senderAccountId: message.senderAccountId,
    sentAt: message.sentAt,
    receivedAt: message.receivedAt,
    sortKey: message.sortKey,
    state: message.state,
    body,
  };
}

function contactView(contact: ContactRecord): ContactView {
  return {
    accountId: contact.accountId,
    displayName: contact.displayName,
    relayUrl: contact.relayUrl,
    verified: contact.verified,
    origin: contact.origin,
  };
}

export function shortAccountId(accountId: string): string {
  return `${accountId.slice(0, 8)}…`;
}

export class EngineQueries {
  constructor(
    private readonly db: EngineDatabase,
    private readonly cipher: BodyCipher,
    private readonly logger: EngineLogger,
  ) {}

  /** Every conversation, most recent activity first. */
  async conversations(): Promise<ConversationView[]> {
    const conversations = await this.db.conversations.orderBy('lastActivityAt').reverse().toArray();
    const contacts = await this.db.contacts.bulkGet(
      conversations.flatMap((c) => (c.kind === 'direct' ? [c.peerId] : [])),
    );
    const contactById = new Map<string, ContactRecord>();
    for (const contact of contacts) if (contact !== undefined) contactById.set(contact.accountId, contact);
    return Promise.all(
      conversations.map((conversation) =>
        this.#conversationView(
          conversation,
          conversation.kind === 'direct' ? contactById.get(conversation.peerId) : undefined,
        ),
      ),
    );
  }

  /** One conversation (the chat header), or null when there is none with that id. */
  async conversation(conversationId: string): Promise<ConversationView | null> {
    const conversation = await this.db.conversations.get(conversationId);
    if (conversation === undefined) return null;
    const contact = conversation.kind === 'direct' ? await this.db.contacts.get(conversation.peerId) : undefined;
    return this.#conversationView(conversation, contact);
  }

  /** One page of a conversation, oldest first, bodies decrypted. */
  async messagePage(conversationId: string, request: PageRequest = {}): Promise<MessagePage> {
    const limit = Math.max(1, Math.min(MAX_PAGE_SIZE, request.limit ?? DEFAULT_PAGE_SIZE));
    const rows = await this.db.messages
      .where('[conversationId+sortKey]')
      .between([conversationId, MIN_SORT_KEY], [conversationId, request.before ?? MAX_SORT_KEY], true, false)
      .reverse()
      .limit(limit + 1)
      .toArray();
    const hasOlder = rows.length > limit;
    const page = rows.slice(0, limit).reverse();
    const messages = await Promise.all(page.map((message) => this.#messageView(message)));
    return { messages, hasOlder };
  }

  /** Sort key of the oldest unread incoming message, where the "unread messages" divider goes; null when all are read. */
  async firstUnreadSortKey(conversationId: string): Promise<string | null> {
    const unread = await this.db.messages
      .where('[conversationId+direction+state]')
      .equals([conversationId, 'incoming', 'delivered'])
      .toArray();
    let first: string | null = null;
    for (const message of unread) if (first === null || message.sortKey < first) first = message.sortKey;
    return first;
  }

  async contacts(): Promise<ContactView[]> {
    const contacts = await this.db.contacts.toArray();
    return contacts
      .map(contactView)
      .sort((a, b) => (a.displayName ?? a.accountId).localeCompare(b.displayName ?? b.accountId));
  }

  async contact(accountId: AccountId): Promise<ContactView | null> {
    const contact = await this.db.contacts.get(accountId);
    return contact === undefined ? null : contactView(contact);
  }

  /** Total unread messages (for the window title or a badge). */
  async unreadTotal(): Promise<number> {
    let total = 0;
    await this.db.conversations.each((conversation) => {
      total += conversation.unreadCount;
    });
    return total;
  }

  /**
   * The messages of a conversation between two sort keys (both inclusive),
   * oldest first, for the chat view's window over a long history (liveQuery
   * it: it re-runs when a message in or next to the range changes). With
   * `to` left open the newest `limit` are returned, so new messages push the
   * oldest out; with both bounds the oldest `limit` from `from`. Bodies found
   * in `knownBodies` (by message id: a stored body never changes) are not
   * decrypted again.
   */
  async messageRange(conversationId: string, request: RangeRequest = {}): Promise<MessageRange> {
    const limit = Math.max(1, Math.min(MAX_RANGE_SIZE, request.limit ?? MAX_RANGE_SIZE));
    const lower = request.from ?? MIN_SORT_KEY;
    const upper = request.to ?? MAX_SORT_KEY;
    // One read transaction for the rows and one index key beyond each end (whether more exists).
    const { rows, hasOlder, hasNewer } = await this.db.dexie.transaction('r', this.db.messages, async () => {
      const index = this.db.messages.where('[conversationId+sortKey]');
      const inRange = index.between([conversationId, lower], [conversationId, upper], true, true);
      const rows =
        request.to === undefined
          ? (await inRange.reverse().limit(limit).toArray()).reverse()
          : await inRange.limit(limit).toArray();
      const first = rows[0];
      const last = rows[rows.length - 1];
      const before =
        first === undefined
          ? []
          : await index
              .between([conversationId, MIN_SORT_KEY], [conversationId, first.sortKey], true, false)
              .limit(1)
              .keys();
      const after =
        last === undefined
          ? []
          : await index
              .between([conversationId, last.sortKey], [conversationId, MAX_SORT_KEY], false, true)
              .limit(1)
              .keys();
      return { rows, hasOlder: before.length > 0, hasNewer: after.length > 0 };
    });
    const known = request.knownBodies;
    const messages = await Promise.all(
      rows.map((row) => {
        const body = known?.get(row.id);
        return body === undefined && !(known?.has(row.id) ?? false)
          ? this.#messageView(row)
          : Promise.resolve(toMessageView(row, body ?? null));
      }),
    );
    return { messages, hasOlder, hasNewer };
  }

  /**
   * The sort key `count` messages away from `from` (exclusive) towards the
   * older or the newer end, or the last one there is when fewer exist
   * (`reachedEnd`); reads index keys only. Without `from`, counts from the
   * newest (older) or the oldest (newer) message.
   */
  async sortKeyAway(conversationId: string, request: SortKeyStep): Promise<SortKeyAway> {
    const index = this.db.messages.where('[conversationId+sortKey]');
    const count = Math.max(1, request.count);
    const range =
      request.direction === 'older'
        ? index
            .between([conversationId, MIN_SORT_KEY], [conversationId, request.from ?? MAX_SORT_KEY], true, false)
            .reverse()
        : index.between(
            [conversationId, request.from ?? MIN_SORT_KEY],
            [conversationId, MAX_SORT_KEY],
            request.from === undefined,
            true,
          );
    const keys = await range.limit(count + 1).keys();
    const reachedEnd = keys.length <= count;
    const key = keys[Math.min(count, keys.length) - 1];
    return { sortKey: Array.isArray(key) ? String(key[1]) : null, reachedEnd };
  }

  /** How many messages (and notices) a conversation holds; counts index keys. */
  async messageCount(conversationId: string): Promise<number> {
    return this.db.messages
      .where('[conversationId+sortKey]')
      .between([conversationId, MIN_SORT_KEY], [conversationId, MAX_SORT_KEY], true, true)
      .count();
  }

  /** One message by id, body decrypted; null when there is none (the chat view reads a new one into rows it holds). */
  async message(messageId: string): Promise<MessageView | null> {
    const message = await this.db.messages.get(messageId);
    return message === undefined ? null : this.#messageView(message);
  }

  async #conversationView(
    conversation: ConversationRecord,
    contact: ContactRecord | undefined,
  ): Promise<ConversationView> {
    return {
      id: conversation.id,
      kind: conversation.kind,
      peerId: conversation.peerId,
      name: contact?.displayName ?? conversation.title ?? shortAccountId(conversation.peerId),
      contact: contact === undefined ? null : contactView(contact),
      lastActivityAt: conversation.lastActivityAt,
      unreadCount: conversation.unreadCount,
      preview: await this.#open(
        { table: 'conversations', field: 'preview', id: conversation.id },
        conversation.preview,
      ),
    };
  }

  async #messageView(message: MessageRecord): Promise<MessageView> {
    return toMessageView(message, await this.#open({ table: 'messages', field: 'body', id: message.id }, message.body));
  }

  async #open(scope: FieldScope, field: EncryptedField | null): Promise<string | null> {
    if (field === null) return null;
    try {
      return await this.cipher.open(scope, field);
    } catch {
      this.logger.error('stored text does not decrypt', { table: scope.table, id: scope.id });
      return null;
    }
  }
}

/** Dexie's own liveQuery, re-exported so the UI needs no second import path. */
export const liveQuery = dexieLiveQuery;
