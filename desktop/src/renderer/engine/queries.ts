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
  EncryptedField,
  MessageDirection,
  MessageKind,
  MessageState,
} from './records.js';

export interface ContactView {
  readonly accountId: AccountId;
  readonly displayName: string | null;
  readonly relayUrl: string;
  readonly verified: boolean;
  /** The identity key changed and the user has not reviewed it yet. */
  readonly identityChanged: boolean;
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
  /** The text (kind 'text'); null for notices, or when the stored body cannot be decrypted. */
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

function contactView(contact: ContactRecord): ContactView {
  return {
    accountId: contact.accountId,
    displayName: contact.displayName,
    relayUrl: contact.relayUrl,
    verified: contact.verified,
    identityChanged: contact.identityChangedAt !== null,
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
      conversations.map(async (conversation) => {
        const contact = conversation.kind === 'direct' ? contactById.get(conversation.peerId) : undefined;
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
      }),
    );
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
    const messages = await Promise.all(
      page.map(async (message) => ({
        id: message.id,
        conversationId: message.conversationId,
        kind: message.kind,
        direction: message.direction,
        senderAccountId: message.senderAccountId,
        sentAt: message.sentAt,
        receivedAt: message.receivedAt,
        sortKey: message.sortKey,
        state: message.state,
        body: await this.#open({ table: 'messages', field: 'body', id: message.id }, message.body),
      })),
    );
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
