/**
 * What we tell the contacts we accepted about ourselves (docs/protocol.md
 * §4.6, §6): the `profile` content, built when it is sent so it always
 * carries the current contact key, name and avatar, and our canonical home
 * relay (a recipient on another relay pins its trust root from it, §5). A change of name or
 * avatar queues it again to every accepted contact who is not blocked;
 * requests and blocked accounts never get it (message-requests.ts).
 */

import { MAX_PROFILE_AVATAR_BYTES, MAX_PROFILE_NAME_LENGTH, PROFILE_AVATAR_TYPES } from '@parley/crypto-core/content';
import { fromBase64 } from '@parley/crypto-core/encoding';
import { type AccountId, normalizeRelayUrl } from '@parley/crypto-core/wire';
import type { OutgoingContent } from '../../common/vault-api.js';
import { isAcceptedContact, queueProfile } from './contact-access.js';
import type { EngineDatabase } from './database.js';
import { EngineError, EngineErrorCode } from './errors.js';
import type { OwnProfile, ProfileAvatar } from './records.js';

const NO_PROFILE: OwnProfile = { name: null, avatar: null };

/** The `profile` content to send now; null before this account has access keys. */
export async function ownProfileContent(db: EngineDatabase, homeRelayUrl: string): Promise<OutgoingContent | null> {
  const keys = await db.getSetting('accessKeys');
  if (keys === undefined) return null;
  const { name, avatar } = (await db.getSetting('ownProfile')) ?? NO_PROFILE;
  return {
    type: 'profile',
    accessKey: keys.contactKey,
    relayUrl: normalizeRelayUrl(homeRelayUrl),
    ...(name === null ? {} : { name }),
    ...(avatar === null ? {} : { avatar: { contentType: avatar.contentType, data: avatar.data } }),
  };
}

export async function readOwnProfile(db: EngineDatabase): Promise<OwnProfile> {
  return (await db.getSetting('ownProfile')) ?? NO_PROFILE;
}

function cleanName(name: string | null): string | null {
  if (name === null) return null;
  const trimmed = name.replace(/\s+/g, ' ').trim();
  if (trimmed.length === 0) return null;
  if (trimmed.length > MAX_PROFILE_NAME_LENGTH || /[\uD800-\uDFFF]/u.test(trimmed)) {
    throw new EngineError(EngineErrorCode.InvalidProfile, `a name has 1 to ${MAX_PROFILE_NAME_LENGTH} characters`);
  }
  return trimmed;
}

function checkAvatar(avatar: ProfileAvatar | null): ProfileAvatar | null {
  if (avatar === null) return null;
  if (!(PROFILE_AVATAR_TYPES as readonly string[]).includes(avatar.contentType)) {
    throw new EngineError(EngineErrorCode.InvalidProfile, 'an avatar is a PNG, JPEG or WebP image');
  }
  let size: number;
  try {
    size = fromBase64(avatar.data).byteLength;
  } catch (error) {
    throw new EngineError(EngineErrorCode.InvalidProfile, 'the avatar is not base64', error);
  }
  if (size === 0 || size > MAX_PROFILE_AVATAR_BYTES) {
    throw new EngineError(EngineErrorCode.InvalidProfile, `an avatar has 1 to ${MAX_PROFILE_AVATAR_BYTES} bytes`);
  }
  return { contentType: avatar.contentType, data: avatar.data };
}

/** Queues our profile to each of `recipients` that has none queued yet. True when any was queued. */
export async function queueProfiles(
  db: EngineDatabase,
  recipients: readonly AccountId[],
  now: number,
): Promise<boolean> {
  let queued = false;
  for (const recipient of recipients) if (await queueProfile(db, recipient, now)) queued = true;
  return queued;
}

/** Every accepted contact who is not blocked. */
export async function acceptedContactIds(db: EngineDatabase): Promise<AccountId[]> {
  return (await db.contacts.toArray()).filter(isAcceptedContact).map((contact) => contact.accountId);
}

/**
 * Stores a new name and avatar and, when either changed, queues our profile
 * to every accepted contact (one transaction). True when profiles were queued.
 */
export function setOwnProfile(db: EngineDatabase, profile: OwnProfile, now: number): Promise<boolean> {
  const next: OwnProfile = { name: cleanName(profile.name), avatar: checkAvatar(profile.avatar) };
  return db.dexie.transaction('rw', [db.settings, db.contacts, db.outbox], async () => {
    const before = await readOwnProfile(db);
    await db.putSetting('ownProfile', next);
    const unchanged = before.name === next.name && before.avatar?.data === next.avatar?.data;
    if (unchanged) return false;
    return queueProfiles(db, await acceptedContactIds(db), now);
  });
}
