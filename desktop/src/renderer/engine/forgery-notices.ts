/**
 * Telling the user that a relay forged a contact's key (UI.md: a full-width
 * notice in the conversation's history, never a modal, no "accept").
 *
 * An account id commits to its identity key, so a message, sealed-sender
 * certificate or prekey bundle that presents another key for a contact's id
 * can only come from the relay it arrived from. The vault refuses it and
 * nothing of it is used; here one notice goes into the contact's conversation,
 * naming that relay: "Your relay (URL) sent a key that isn't Bob's; nothing
 * from it was accepted". The relay's URL is the notice's body, sealed at rest
 * like every row (at-rest/). The notice is written with a sort key and no
 * position: the placement middleware (message-placement.ts) gives it its
 * place in the history, as for every message.
 *
 * Repeats do not flood the history: while the newest row of the conversation
 * is already a notice about the same relay, a new forgery adds nothing. Once
 * anything else arrives after it, the next forgery gets a notice again.
 *
 * The receive path prepares its notices before its commit transaction (the
 * contact and newest-row reads stay out of it), so writing has two steps:
 * `prepareForgeryNotices` outside, then `writeForgeryNotices` inside the
 * caller's transaction over NOTICE_TABLES, which checks that the newest row
 * is still what the preparation saw.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { directConversationId, messageSortKey } from './conversation-ids.js';
import type { EngineDatabase } from './database.js';
import type { MessageRecord, NewMessageRecord } from './records.js';

/** A forged key for a known contact, and the relay it came from. */
export interface Forgery {
  readonly accountId: AccountId;
  /** The relay that sent the envelope or bundle (canonical URL). */
  readonly relayUrl: string;
}

/** A notice that was written. */
export interface ForgeryNotice extends Forgery {
  readonly conversationId: string;
  readonly messageId: string;
}

/** A notice ready to write, with what the conversation's newest row was when prepared. */
export interface PreparedForgeryNotice extends ForgeryNotice {
  readonly sortKey: string;
  readonly now: number;
  /** The newest row was a notice about the same relay: write nothing while it still is. */
  readonly coalesceWith: string | null;
}

export const NOTICE_TABLES = ['contacts', 'conversations', 'messages'] as const;

/** Below and above every position (positions are base-62 digits). */
const MIN_POSITION = '';
const MAX_POSITION = '\uffff';

/** The conversation's newest row: last in position order, which is sort key order (message-positions.ts). */
function newestRow(db: EngineDatabase, conversationId: string): Promise<MessageRecord | undefined> {
  return db.messages
    .where('[conversationId+position]')
    .between([conversationId, MIN_POSITION], [conversationId, MAX_POSITION])
    .last();
}

/** The relay a forged-key notice names, or null (another kind of row). */
export function noticeRelayUrl(row: MessageRecord | undefined): string | null {
  if (row?.kind !== 'forged-key') return null;
  return row.body;
}

/** Prepares a notice for each forgery of a known contact (others are left out); no transaction needed. */
export async function prepareForgeryNotices(
  db: EngineDatabase,
  forgeries: readonly Forgery[],
  now: number,
  newId: () => string,
): Promise<PreparedForgeryNotice[]> {
  const unique = new Map<string, Forgery>();
  for (const forgery of forgeries) unique.set(`${forgery.accountId} ${forgery.relayUrl}`, forgery);
  const prepared: PreparedForgeryNotice[] = [];
  for (const forgery of unique.values()) {
    if ((await db.contacts.get(forgery.accountId)) === undefined) continue;
    const conversationId = directConversationId(forgery.accountId);
    const newest = await newestRow(db, conversationId);
    const sameRelay = noticeRelayUrl(newest) === forgery.relayUrl;
    const messageId = newId();
    prepared.push({
      ...forgery,
      conversationId,
      messageId,
      sortKey: messageSortKey(now, messageId),
      now,
      coalesceWith: sameRelay && newest !== undefined ? newest.id : null,
    });
  }
  return prepared;
}

/** Writes the prepared notices, inside the caller's read-write transaction over NOTICE_TABLES. */
export async function writeForgeryNotices(
  db: EngineDatabase,
  prepared: readonly PreparedForgeryNotice[],
): Promise<ForgeryNotice[]> {
  const written: ForgeryNotice[] = [];
  for (const notice of prepared) {
    const conversation = await db.conversations.get(notice.conversationId);
    if (conversation === undefined) continue;
    if (notice.coalesceWith !== null && (await newestRow(db, notice.conversationId))?.id === notice.coalesceWith) {
      continue;
    }
    // No position: the placement middleware assigns it from the sort key.
    const record: NewMessageRecord = {
      id: notice.messageId,
      conversationId: notice.conversationId,
      kind: 'forged-key',
      direction: 'incoming',
      senderAccountId: notice.accountId,
      sentAt: notice.now,
      receivedAt: notice.now,
      sortKey: notice.sortKey,
      // A notice is not a message to read: it never counts as unread.
      state: 'read',
      envelopeId: null,
      serverTimestamp: null,
      body: notice.relayUrl,
    };
    await db.messages.add(record);
    await db.conversations.update(notice.conversationId, {
      lastActivityAt: Math.max(conversation.lastActivityAt, notice.now),
    });
    const { accountId, relayUrl, conversationId, messageId } = notice;
    written.push({ accountId, relayUrl, conversationId, messageId });
  }
  return written;
}

/** A forgery found outside the receive path (a forged bundle when sending): both steps, its own transaction. */
export async function recordForgery(
  db: EngineDatabase,
  forgery: Forgery,
  now: number,
  newId: () => string,
): Promise<ForgeryNotice | null> {
  const prepared = await prepareForgeryNotices(db, [forgery], now, newId);
  const [written] = await db.dexie.transaction('rw', [...NOTICE_TABLES], () => writeForgeryNotices(db, prepared));
  return written ?? null;
}
