/**
 * Message requests and blocking, as in Signal (docs/protocol.md §4.6).
 *
 * Someone who writes first becomes a request (receive-commit.ts): their
 * messages are stored and shown apart from the chats; they get delivery
 * receipts (as Signal sends them) but no read receipts, no typing and not our
 * profile, so they hold only the code key a reset takes away. Accepting makes
 * them a contact: our profile (contact key, name, avatar) is queued to them,
 * and read receipts for what the user already read follow when read receipts
 * are on. Deleting removes the request's contact, conversation and messages:
 * a later message from them is a new request.
 *
 * Blocking (a request or a contact): their envelopes are acked and dropped
 * from then on (receive-plan.ts) and nothing more is sent to them; then our
 * contact key is replaced (and our code key, when they may hold it because
 * they wrote first), registered with the relay before it is stored, and the
 * new contact key goes in a profile to every remaining accepted contact. The
 * relay refuses the old keys (ACCESS_DENIED) from then on. When the relay
 * cannot be reached, the block holds here and the rotation throws: blocking
 * again retries it. Unblocking lets their messages in again; an accepted
 * contact gets our profile (they lost our key).
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type { AccessKeyRegistration } from './access-keys.js';
import { isAcceptedContact, isBlocked, queueProfile } from './contact-access.js';
import { directConversationId } from './conversation-ids.js';
import type { EngineDatabase } from './database.js';
import { EngineError, EngineErrorCode } from './errors.js';
import { acceptedContactIds, queueProfiles } from './own-profile.js';
import { queueReadReceipts } from './read-receipts.js';
import type { ContactRecord } from './records.js';
import { relayFailureError } from './relay-errors-map.js';

export interface RequestContext {
  readonly db: EngineDatabase;
  readonly accessKeys: AccessKeyRegistration;
  readonly now: () => number;
  /** Read receipts are on (and the copy is not taken over). */
  readonly readReceipts: () => boolean;
}

export interface BlockResult {
  /** Our contact code changed too (they wrote first, so they may hold it): people who have only the old one need the new. */
  readonly contactCodeReset: boolean;
}

const MIN_POSITION = '';
const MAX_POSITION = '\uffff';

export function isRequest(contact: ContactRecord | undefined): boolean {
  return contact !== undefined && contact.status === 'request' && !isBlocked(contact);
}

async function requireContact(db: EngineDatabase, accountId: AccountId): Promise<ContactRecord> {
  const contact = await db.contacts.get(accountId);
  if (contact === undefined) throw new EngineError(EngineErrorCode.UnknownAccount, 'no such contact');
  return contact;
}

/** Accepts a request: a contact now, sent our profile, and read receipts for what was read (when on). */
export function acceptRequest(context: RequestContext, accountId: AccountId): Promise<void> {
  const { db } = context;
  return db.dexie.transaction('rw', [db.contacts, db.messages, db.outbox], async () => {
    const contact = await db.contacts.get(accountId);
    if (!isRequest(contact)) throw new EngineError(EngineErrorCode.NoRequest, 'no message request from this account');
    const now = context.now();
    await db.contacts.update(accountId, { status: 'accepted' });
    await queueProfile(db, accountId, now);
    if (!context.readReceipts()) return;
    const conversationId = directConversationId(accountId);
    const read = await db.messages
      .where('[conversationId+direction+state]')
      .equals([conversationId, 'incoming', 'read'])
      .toArray();
    const ids = read
      .filter((message) => message.kind === 'text')
      .sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0))
      .map((message) => message.id);
    await queueReadReceipts(db, accountId, conversationId, ids, now);
  });
}

/** Deletes a request: its contact, conversation, messages and anything queued to it. */
export function deleteRequest(context: RequestContext, accountId: AccountId): Promise<void> {
  const { db } = context;
  return db.dexie.transaction('rw', [db.contacts, db.conversations, db.messages, db.outbox], async () => {
    const contact = await db.contacts.get(accountId);
    if (contact === undefined || contact.status !== 'request') {
      throw new EngineError(EngineErrorCode.NoRequest, 'no message request from this account');
    }
    const conversationId = directConversationId(accountId);
    await db.messages
      .where('[conversationId+position]')
      .between([conversationId, MIN_POSITION], [conversationId, MAX_POSITION], true, true)
      .delete();
    await db.conversations.delete(conversationId);
    await db.outbox.where('recipient').equals(accountId).delete();
    await db.contacts.delete(accountId);
  });
}

/**
 * Blocks an account (a request or a contact): recorded at once, with what
 * was queued to them dropped (own texts waiting for them end as failed), then
 * our keys are rotated. A relay failure throws after the block is recorded.
 */
export async function blockContact(context: RequestContext, accountId: AccountId): Promise<BlockResult> {
  const { db } = context;
  const contact = await db.dexie.transaction('rw', [db.contacts, db.messages, db.outbox], async () => {
    const found = await requireContact(db, accountId);
    const now = context.now();
    if (!isBlocked(found)) await db.contacts.update(accountId, { blockedAt: now });
    const queued = await db.outbox.where('recipient').equals(accountId).toArray();
    for (const item of queued) {
      if (item.kind === 'text') await db.messages.update(item.messageId, { state: 'failed' });
    }
    await db.outbox.where('recipient').equals(accountId).delete();
    return found;
  });
  const contactCodeReset = contact.origin === 'incoming';
  try {
    await context.accessKeys.rotateForBlock(contactCodeReset, async () => {
      await queueProfiles(db, await acceptedContactIds(db), context.now());
    });
  } catch (error) {
    throw relayFailureError(error) ?? new EngineError(EngineErrorCode.Storage, 'the new keys were not saved', error);
  }
  return { contactCodeReset };
}

/** Lets a blocked account in again; a contact we had accepted gets our (new) profile. */
export function unblockContact(context: RequestContext, accountId: AccountId): Promise<void> {
  const { db } = context;
  return db.dexie.transaction('rw', [db.contacts, db.outbox], async () => {
    const contact = await requireContact(db, accountId);
    if (!isBlocked(contact)) return;
    await db.contacts.update(accountId, { blockedAt: null });
    if (isAcceptedContact({ ...contact, blockedAt: null })) await queueProfile(db, accountId, context.now());
  });
}
