/**
 * The access keys that reach contacts (docs/protocol.md §4.7), one per
 * contact so that contacts on other relays fit in later: the code key from
 * the code they gave, replaced by their contact key when their `profile`
 * arrives. Every send and bundle fetch to a contact presents it. A contact
 * that refuses it (ACCESS_DENIED) is marked, so the conversation can say to
 * ask for their current code instead of retrying.
 *
 * Our own contact key goes to each contact in a `profile` through the outbox
 * (own-profile.ts): queued when we add a contact (before any text, so it
 * arrives first) and when we accept a message request, never to a request
 * or a blocked account (message-requests.ts): until accepted, someone who
 * wrote first holds only our code key, which a reset takes away.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type { EngineDatabase } from './database.js';
import type { EngineEvents } from './events.js';
import { reachOfMember } from './groups/group-members.js';
import type { EventHub } from './observable.js';
import type { ContactRecord, OutboxProfileRecord, ProfileAvatar } from './records.js';
import { relayUrlOrNull } from './relay-directory.js';
import { newDirectItem } from './session-repair.js';
import type { Reach } from './sessions.js';

/**
 * A profile received: the sender's contact key, the home relay it names
 * (where replies go), if it does, and the name and avatar they chose (null when none).
 */
export interface IncomingProfile {
  readonly senderAccountId: AccountId;
  readonly accessKey: string;
  readonly relayUrl?: string;
  readonly name: string | null;
  readonly avatar: ProfileAvatar | null;
}

/** A queued `profile` to `recipient` (the key is read when it is sent, so it is always the current one). */
export function profileItem(recipient: AccountId, now: number): OutboxProfileRecord {
  return { kind: 'profile', ...newDirectItem(recipient, now) };
}

/** The key we present to `accountId`: a contact's, else a group member's; null when we hold none (the account predates access keys, or is unknown). */
export async function contactAccessKey(db: EngineDatabase, accountId: AccountId): Promise<string | null> {
  const contact = await db.contacts.get(accountId);
  if (contact !== undefined) return contact.accessKey ?? null;
  // A group member who is no contact: the key its group gave us.
  return (await reachOfMember(db, accountId))?.accessKey ?? null;
}

/**
 * Where and with what key we reach `accountId`: the relay the contact lives
 * on (from their code; someone who wrote first is taken to live on our home
 * relay) and the access key we hold.
 */
export async function contactReach(db: EngineDatabase, accountId: AccountId, homeRelayUrl: string): Promise<Reach> {
  const contact = await db.contacts.get(accountId);
  if (contact === undefined) {
    const member = await reachOfMember(db, accountId);
    if (member !== null) return member;
  }
  return { accessKey: contact?.accessKey ?? null, relayUrl: contact?.relayUrl ?? homeRelayUrl };
}

/** The contact refused the key we hold: remembered until a new key arrives, and the UI told. */
export async function recordAccessDenied(
  db: EngineDatabase,
  events: EventHub<EngineEvents>,
  accountId: AccountId,
  now: number,
): Promise<void> {
  if ((await db.contacts.update(accountId, { accessDeniedAt: now })) > 0) events.emit('access-denied', { accountId });
}

/** A contact who may hear from us: accepted (or from before requests) and not blocked. */
export function isAcceptedContact(contact: ContactRecord | undefined): contact is ContactRecord {
  return contact !== undefined && (contact.status ?? 'accepted') === 'accepted' && !isBlocked(contact);
}

export function isBlocked(contact: ContactRecord | undefined): boolean {
  return (contact?.blockedAt ?? null) !== null;
}

/** A contact whose sends are known to be refused: nothing best-effort (typing) is tried. */
export function accessRefused(contact: ContactRecord | undefined): boolean {
  return (contact?.accessDeniedAt ?? null) !== null;
}

/**
/**
 * Stores what profiles carried (contact key, the relay a profile names as
 * the sender's home, so replies reach them there, name, avatar), in the
 * receive commit's transaction (the contacts exist by then: strangers were
 * added first as requests). An accepted contact we held no key for, or whose
 * key was refused, may not have got our profile either (sent without a key,
 * refused once it registered keys, as when both sides upgrade from before
 * access keys): it is queued again now that we can reach them, unless one is
 * queued already. Requests get ours only once accepted. True when one was queued.
 */
export async function applyProfiles(
  db: EngineDatabase,
  profiles: readonly IncomingProfile[],
  now: number,
): Promise<boolean> {
  let queued = false;
  for (const profile of profiles) {
    const sender = profile.senderAccountId;
    const before = await db.contacts.get(sender);
    // Their own word for where they receive, as their code would say; one that is no relay URL is ignored.
    const named = profile.relayUrl === undefined ? null : relayUrlOrNull(profile.relayUrl);
    const relay = named === null ? {} : { relayUrl: named };
    await db.contacts.update(sender, {
      accessKey: profile.accessKey,
      accessDeniedAt: null,
      profileName: profile.name,
      profileAvatar: profile.avatar,
      ...relay,
    });
    const unreached = (before?.accessKey ?? null) === null || accessRefused(before);
    if (!unreached || !isAcceptedContact(before)) continue;
    if (await queueProfile(db, sender, now)) queued = true;
  }
  return queued;
}

/** Queues our profile to `recipient` unless one is queued already (it is built when sent). True when queued. */
export async function queueProfile(db: EngineDatabase, recipient: AccountId, now: number): Promise<boolean> {
  const pending = await db.outbox
    .where('recipient')
    .equals(recipient)
    .filter((item) => item.kind === 'profile')
    .count();
  if (pending > 0) return false;
  await db.outbox.add(profileItem(recipient, now));
  return true;
}
