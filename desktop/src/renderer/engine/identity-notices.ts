/**
 * Recording a contact's identity change: a marker on the contact (so the
 * header can show "safety number changed") and one notice in the
 * conversation's history (UI.md: a full-width notice, never a modal). The
 * marker makes it idempotent: a change already recorded and not yet reviewed
 * adds no second notice, however often the vault reports it.
 *
 * These functions run inside the caller's read-write transaction over
 * contacts, conversations and messages, so the notice commits together with
 * whatever revealed the change.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { directConversationId, messageSortKey } from './conversation-ids.js';
import type { EngineDatabase } from './database.js';
import type { NewMessageRecord } from './records.js';

export interface IdentityNotice {
  readonly accountId: AccountId;
  readonly conversationId: string;
  readonly messageId: string;
}

export const IDENTITY_TABLES = ['contacts', 'conversations', 'messages'] as const;

/** Records the change unless one is already pending review; null when nothing new was written. */
export async function writeIdentityNotice(
  db: EngineDatabase,
  accountId: AccountId,
  now: number,
  newId: () => string,
): Promise<IdentityNotice | null> {
  const contact = await db.contacts.get(accountId);
  if (contact === undefined || contact.identityChangedAt !== null) return null;
  await db.contacts.update(accountId, { identityChangedAt: now, verified: false });
  const conversationId = directConversationId(accountId);
  const conversation = await db.conversations.get(conversationId);
  if (conversation === undefined) return null;
  const messageId = newId();
  const notice: NewMessageRecord = {
    id: messageId,
    conversationId,
    kind: 'identity-changed',
    direction: 'incoming',
    senderAccountId: accountId,
    sentAt: now,
    receivedAt: now,
    sortKey: messageSortKey(now, messageId),
    // A notice is not a message to read: it never counts as unread.
    state: 'read',
    envelopeId: null,
    serverTimestamp: null,
    body: null,
  };
  await db.messages.add(notice);
  await db.conversations.update(conversationId, { lastActivityAt: Math.max(conversation.lastActivityAt, now) });
  return { accountId, conversationId, messageId };
}

/** Records a change in its own transaction (the vault's identity-changed event, a refused encrypt). */
export function recordIdentityChange(
  db: EngineDatabase,
  accountId: AccountId,
  now: number,
  newId: () => string,
): Promise<IdentityNotice | null> {
  return db.dexie.transaction('rw', [...IDENTITY_TABLES], () => writeIdentityNotice(db, accountId, now, newId));
}
