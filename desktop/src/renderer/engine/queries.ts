/**
 * Reads for the UI, shaped for Dexie's liveQuery (the at-rest layer opens
 * rows as they are read, so every read is plain IndexedDB work), e.g.
 *
 *   const conversations = liveQuery(() => engine.queries.conversations());
 *   const page = liveQuery(() => engine.queries.messagePage(id, { limit: 50 }));
 *
 * A conversation of 100,000 messages pages through its
 * [conversationId+position] index: a page reads `limit` rows, not the
 * conversation. A message's `position` (message-positions.ts) is what the
 * history is ordered and paged by: pass it back as a bound.
 */

import type { AccountId } from '@parley/crypto-core/wire';
import { liveQuery as dexieLiveQuery } from 'dexie';
import { avatarDataUrl } from './avatar-url.js';
import type { EngineDatabase } from './database.js';
import {
  type GroupReceiptsView,
  type GroupView,
  groupReceiptsView,
  groupView,
  isGroupRequest,
} from './groups/group-queries.js';
import { type MessageFeatures, messageFeatures } from './message-features-view.js';
import { isMuted } from './mute.js';
import type {
  ContactRecord,
  ContactStatus,
  ConversationKind,
  ConversationRecord,
  GroupMembership,
  GroupRecord,
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
  /**
   * The contact refused the access key we hold (they reset the code we have):
   * messages to them fail until their current code is added.
   */
  readonly accessDenied: boolean;
  /** request: wrote first, not accepted yet (message-requests.ts); accepted: a contact. */
  readonly status: ContactStatus;
  readonly blocked: boolean;
  /** The name they chose (their profile); the UI marks it as theirs, not verified. */
  readonly profileName: string | null;
  /** Their avatar as a `data:` URL of a PNG, JPEG or WebP image (shown in an img only); null when none. */
  readonly avatarUrl: string | null;
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
  /** Disappearing-message timer in seconds; 0: off. */
  readonly expireTimer: number;
  /** For a group: where we stand and how many are in it (the list's line); null for a direct conversation. */
  readonly group: GroupSummary | null;
  /** Muted until then (ms; MUTED_ALWAYS: until unmuted), or null; `isMuted(mutedUntil, now)` says whether it still is. */
  readonly mutedUntil: number | null;
}

export interface GroupSummary {
  readonly membership: GroupMembership;
  /** Joined and invited members. */
  readonly memberCount: number;
  /** An invitation from someone who is not an accepted contact: listed with the message requests. */
  readonly request: boolean;
  /** The group photo as a `data:` URL of a PNG, JPEG or WebP image (shown in an img only); null when none. */
  readonly avatarUrl: string | null;
}

export interface MessageView extends MessageFeatures {
  readonly id: string;
  readonly conversationId: string;
  readonly kind: MessageKind;
  readonly direction: MessageDirection;
  readonly senderAccountId: AccountId;
  readonly sentAt: number;
  readonly receivedAt: number | null;
  /** Its place in the conversation: an opaque string in history order (compare as strings; not a time). */
  readonly position: string;
  readonly state: MessageState;
  /** The text (kind 'text'), or the URL of the relay a 'forged-key' notice names; null for other notices. */
  readonly body: string | null;
}

export interface MessagePage {
  /** Oldest first. */
  readonly messages: readonly MessageView[];
  /** More messages exist before the first one (pass its position as `before`). */
  readonly hasOlder: boolean;
}

export interface PageRequest {
  /** Only messages before this position (exclusive); default: the newest. */
  readonly before?: string;
  readonly limit?: number;
}

export const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;

export interface RangeRequest {
  /** Oldest position to include (inclusive); default: the oldest message. */
  readonly from?: string;
  /** Newest position to include (inclusive); default: open, up to the newest message. */
  readonly to?: string;
  /** At most this many (default and cap 2,000). */
  readonly limit?: number;
}

export interface MessageRange {
  /** Oldest first. */
  readonly messages: readonly MessageView[];
  /** Messages exist before the first one. */
  readonly hasOlder: boolean;
  /** Messages exist after the last one. */
  readonly hasNewer: boolean;
}

export interface PositionStep {
  /** Start here (exclusive); default: the newest message (older) or the oldest (newer). */
  readonly from?: string;
  readonly direction: 'older' | 'newer';
  readonly count: number;
}

export interface PositionAway {
  /** The position reached; null when no message lies that way. */
  readonly position: string | null;
  /** Fewer than `count` messages lay that way: `position` is the last one there. */
  readonly reachedEnd: boolean;
}

/** Below and above every position (positions are base-62 digits). */
const MIN_POSITION = '';
const MAX_POSITION = '\uffff';
const POSITION_INDEX = '[conversationId+position]';

const MAX_RANGE_SIZE = 2000;

function toMessageView(message: MessageRecord): MessageView {
  return {
    id: message.id,
    conversationId: message.conversationId,
    kind: message.kind,
    direction: message.direction,
    senderAccountId: message.senderAccountId,
    sentAt: message.sentAt,
    receivedAt: message.receivedAt,
    position: message.position,
    state: message.state,
    body: message.body,
    ...messageFeatures(message),
  };
}

function contactView(contact: ContactRecord): ContactView {
  return {
    accountId: contact.accountId,
    displayName: contact.displayName,
    relayUrl: contact.relayUrl,
    verified: contact.verified,
    origin: contact.origin,
    accessDenied: (contact.accessDeniedAt ?? null) !== null,
    status: contact.status ?? 'accepted',
    blocked: (contact.blockedAt ?? null) !== null,
    profileName: contact.profileName ?? null,
    avatarUrl: avatarDataUrl(contact.profileAvatar ?? null),
  };
}

/** What to call a contact: the name the user gave, else the one they chose, else the start of the account id. */
export function contactName(contact: ContactRecord): string {
  return contact.displayName ?? contact.profileName ?? shortAccountId(contact.accountId);
}

/**
 * Which list a conversation belongs in: the chats, the message requests, or
 * neither (blocked). A group invitation from a stranger is a request.
 */
function listOf(
  contact: ContactRecord | undefined,
  group: GroupSummary | null = null,
): 'chats' | 'requests' | 'blocked' {
  if ((contact?.blockedAt ?? null) !== null) return 'blocked';
  return contact?.status === 'request' || group?.request === true ? 'requests' : 'chats';
}

function groupSummary(
  record: GroupRecord | undefined,
  contacts: ReadonlyMap<string, ContactRecord>,
): GroupSummary | null {
  if (record === undefined || record.state === null) return null;
  const inviter = record.invitedBy === null ? undefined : contacts.get(record.invitedBy);
  return {
    membership: record.membership,
    memberCount: record.state.members.length,
    request: isGroupRequest(record, inviter),
    avatarUrl: avatarDataUrl(record.state.avatar),
  };
}

export function shortAccountId(accountId: string): string {
  return `${accountId.slice(0, 8)}…`;
}

export class EngineQueries {
  constructor(
    private readonly db: EngineDatabase,
    /** The clock mutes are judged by. */
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The chats: every conversation but message requests and blocked accounts,
   * most recent activity first (sorted here: activity times are sealed, not indexed).
   */
  async conversations(): Promise<ConversationView[]> {
    return this.#list('chats');
  }

  /** Message requests (message-requests.ts), most recent first. */
  async requests(): Promise<ConversationView[]> {
    return this.#list('requests');
  }

  /** Blocked accounts (for the settings list where they are unblocked). */
  async blockedContacts(): Promise<ContactView[]> {
    const contacts = await this.db.contacts.toArray();
    return contacts.filter((contact) => listOf(contact) === 'blocked').map(contactView);
  }

  async #list(list: 'chats' | 'requests'): Promise<ConversationView[]> {
    const conversations = await this.db.conversations.toArray();
    conversations.sort((a, b) => b.lastActivityAt - a.lastActivityAt);
    const contacts = await this.db.contacts.bulkGet(
      conversations.flatMap((c) => (c.kind === 'direct' ? [c.peerId] : [])),
    );
    const groups = await this.db.groups.bulkGet(conversations.flatMap((c) => (c.kind === 'group' ? [c.peerId] : [])));
    const inviters = await this.db.contacts.bulkGet(
      groups.flatMap((group) => (group?.invitedBy === undefined || group.invitedBy === null ? [] : [group.invitedBy])),
    );
    const contactById = new Map<string, ContactRecord>();
    for (const contact of [...contacts, ...inviters])
      if (contact !== undefined) contactById.set(contact.accountId, contact);
    const groupById = new Map<string, GroupRecord>();
    for (const group of groups) if (group !== undefined) groupById.set(group.groupId, group);
    return conversations.flatMap((conversation) => {
      const contact = conversation.kind === 'direct' ? contactById.get(conversation.peerId) : undefined;
      const group =
        conversation.kind === 'group' ? groupSummary(groupById.get(conversation.peerId), contactById) : null;
      return listOf(contact, group) === list ? [conversationView(conversation, contact, group)] : [];
    });
  }

  /** A group with its members (groups/group-queries.ts), or null when we know none with that id. */
  group(groupId: string): Promise<GroupView | null> {
    return groupView(this.db, groupId);
  }

  /** Per-member delivery and read state of one of our group messages ("read by 2 of 5"). */
  groupReceipts(messageId: string): Promise<GroupReceiptsView> {
    return groupReceiptsView(this.db, messageId);
  }

  /** One conversation (the chat header), or null when there is none with that id. */
  async conversation(conversationId: string): Promise<ConversationView | null> {
    const conversation = await this.db.conversations.get(conversationId);
    if (conversation === undefined) return null;
    const contact = conversation.kind === 'direct' ? await this.db.contacts.get(conversation.peerId) : undefined;
    if (conversation.kind !== 'group') return conversationView(conversation, contact, null);
    const record = await this.db.groups.get(conversation.peerId);
    const inviter =
      record?.invitedBy === undefined || record.invitedBy === null
        ? undefined
        : await this.db.contacts.get(record.invitedBy);
    const inviters = new Map<string, ContactRecord>(inviter === undefined ? [] : [[inviter.accountId, inviter]]);
    return conversationView(conversation, contact, groupSummary(record, inviters));
  }

  /** One page of a conversation, oldest first, bodies decrypted. */
  async messagePage(conversationId: string, request: PageRequest = {}): Promise<MessagePage> {
    const limit = Math.max(1, Math.min(MAX_PAGE_SIZE, request.limit ?? DEFAULT_PAGE_SIZE));
    const rows = await this.db.messages
      .where(POSITION_INDEX)
      .between([conversationId, MIN_POSITION], [conversationId, request.before ?? MAX_POSITION], true, false)
      .reverse()
      .limit(limit + 1)
      .toArray();
    const hasOlder = rows.length > limit;
    const page = rows.slice(0, limit).reverse();
    return { messages: page.map(toMessageView), hasOlder };
  }

  /** Position of the oldest unread incoming message, where the "unread messages" divider goes; null when all are read. */
  async firstUnreadPosition(conversationId: string): Promise<string | null> {
    const unread = await this.db.messages
      .where('[conversationId+direction+state]')
      .equals([conversationId, 'incoming', 'delivered'])
      .toArray();
    let first: string | null = null;
    for (const message of unread) if (first === null || message.position < first) first = message.position;
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

  /**
   * Total unread messages (for the window title or a badge), muted
   * conversations left out (judged when it runs: a mute that ends changes
   * nothing stored, so a liveQuery learns it at the next change).
   */
  async unreadTotal(): Promise<number> {
    let total = 0;
    const now = this.now();
    await this.db.conversations.each((conversation) => {
      if (!isMuted(conversation.mutedUntil, now)) total += conversation.unreadCount;
    });
    return total;
  }

  /**
   * The messages of a conversation between two positions (both inclusive),
   * oldest first, for the chat view's window over a long history (liveQuery
   * it: it re-runs when a message in or next to the range changes). With
   * `to` left open the newest `limit` are returned, so new messages push the
   * oldest out; with both bounds the oldest `limit` from `from`.
   */
  async messageRange(conversationId: string, request: RangeRequest = {}): Promise<MessageRange> {
    const limit = Math.max(1, Math.min(MAX_RANGE_SIZE, request.limit ?? MAX_RANGE_SIZE));
    const lower = request.from ?? MIN_POSITION;
    const upper = request.to ?? MAX_POSITION;
    // One read transaction for the rows and one index key beyond each end (whether more exists).
    const { rows, hasOlder, hasNewer } = await this.db.dexie.transaction('r', this.db.messages, async () => {
      const index = this.db.messages.where(POSITION_INDEX);
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
              .between([conversationId, MIN_POSITION], [conversationId, first.position], true, false)
              .limit(1)
              .keys();
      const after =
        last === undefined
          ? []
          : await index
              .between([conversationId, last.position], [conversationId, MAX_POSITION], false, true)
              .limit(1)
              .keys();
      return { rows, hasOlder: before.length > 0, hasNewer: after.length > 0 };
    });
    return { messages: rows.map(toMessageView), hasOlder, hasNewer };
  }

  /**
   * The position `count` messages away from `from` (exclusive) towards the
   * older or the newer end, or the last one there is when fewer exist
   * (`reachedEnd`); reads index keys only. Without `from`, counts from the
   * newest (older) or the oldest (newer) message.
   */
  async positionAway(conversationId: string, request: PositionStep): Promise<PositionAway> {
    const index = this.db.messages.where(POSITION_INDEX);
    const count = Math.max(1, request.count);
    const range =
      request.direction === 'older'
        ? index
            .between([conversationId, MIN_POSITION], [conversationId, request.from ?? MAX_POSITION], true, false)
            .reverse()
        : index.between(
            [conversationId, request.from ?? MIN_POSITION],
            [conversationId, MAX_POSITION],
            request.from === undefined,
            true,
          );
    const keys = await range.limit(count + 1).keys();
    const reachedEnd = keys.length <= count;
    const key = keys[Math.min(count, keys.length) - 1];
    return { position: Array.isArray(key) ? String(key[1]) : null, reachedEnd };
  }

  /** How many messages (and notices) a conversation holds; counts index keys. */
  async messageCount(conversationId: string): Promise<number> {
    return this.db.messages
      .where(POSITION_INDEX)
      .between([conversationId, MIN_POSITION], [conversationId, MAX_POSITION], true, true)
      .count();
  }

  /** One message by id; null when there is none (the chat view reads a new one into rows it holds). */
  async message(messageId: string): Promise<MessageView | null> {
    const message = await this.db.messages.get(messageId);
    return message === undefined ? null : toMessageView(message);
  }
}

function conversationView(
  conversation: ConversationRecord,
  contact: ContactRecord | undefined,
  group: GroupSummary | null,
): ConversationView {
  return {
    id: conversation.id,
    kind: conversation.kind,
    peerId: conversation.peerId,
    name: contact === undefined ? (conversation.title ?? shortAccountId(conversation.peerId)) : contactName(contact),
    contact: contact === undefined ? null : contactView(contact),
    lastActivityAt: conversation.lastActivityAt,
    unreadCount: conversation.unreadCount,
    preview: conversation.preview,
    expireTimer: conversation.expireTimer ?? 0,
    group,
    mutedUntil: conversation.mutedUntil ?? null,
  };
}

/** Dexie's own liveQuery, re-exported so the UI needs no second import path. */
export const liveQuery = dexieLiveQuery;
