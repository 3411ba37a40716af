/**
 * Engine rows <-> backup history records (crypto-core/backup-records). Rows
 * are read opened (the at-rest layer) and the backup container encrypts them
 * again; restored rows are sealed under the restoring profile's keys as they
 * are written. A message's position is this database's own: it is not
 * exported, and the restoring database gives each message a new one.
 */

import type { HistoryRecord } from '@parley/crypto-core/backup-records';
import { isExpired } from '../message-expiry.js';
import type {
  ContactRecord,
  ConversationRecord,
  GroupChangeRecord,
  GroupRecord,
  MessageRecord,
  NewMessageRecord,
  RelayRecord,
  SettingRecord,
} from '../records.js';

type Of<T extends HistoryRecord['type']> = Extract<HistoryRecord, { type: T }>;

/** Settings that describe this device or its registration: never carried to another install. */
export const DEVICE_SETTING_KEYS: ReadonlySet<string> = new Set([
  'account',
  'pendingPreKeyUpload',
  'lastRotationCheckAt',
  'restoredFromBackup',
  'takenOver',
  // The relay confirmed the keys for this install's registration: a restore registers them again.
  'accessKeysRegistered',
]);

export function relayToRecord(row: RelayRecord): Of<'relay'> {
  return {
    type: 'relay',
    url: row.url,
    role: row.role,
    trustRoot: row.trustRoot,
    registeredAt: row.registeredAt,
    addedAt: row.addedAt,
  };
}

export function settingToRecord(row: SettingRecord): Of<'setting'> | null {
  if (DEVICE_SETTING_KEYS.has(row.key)) return null;
  return { type: 'setting', key: row.key, value: row.value as Of<'setting'>['value'] };
}

export function contactToRecord(row: ContactRecord): Of<'contact'> {
  return {
    type: 'contact',
    accountId: row.accountId,
    displayName: row.displayName,
    relayUrl: row.relayUrl,
    verified: row.verified,
    origin: row.origin,
    addedAt: row.addedAt,
    accessKey: row.accessKey ?? null,
    accessDeniedAt: row.accessDeniedAt ?? null,
    status: row.status ?? 'accepted',
    blockedAt: row.blockedAt ?? null,
    profileName: row.profileName ?? null,
    profileAvatar: row.profileAvatar ?? null,
  };
}

export function conversationToRecord(row: ConversationRecord): Of<'conversation'> {
  return {
    type: 'conversation',
    id: row.id,
    kind: row.kind,
    peerId: row.peerId,
    title: row.title,
    lastActivityAt: row.lastActivityAt,
    lastSortKey: row.lastSortKey,
    unreadCount: row.unreadCount,
    preview: row.preview,
    createdAt: row.createdAt,
  };
}

/**
 * A message as the backup carries it (a group's timeline lines too); null for
 * a disappearing-timer line, a message deleted for everyone, and every
 * disappearing message (the record carries no timer, so a restore would keep
 * it for good; one whose time came at `now` may not be swept yet either:
 * message-expiry.ts).
 */
export function messageToRecord(row: MessageRecord, now: number): Of<'message'> | null {
  if (row.kind === 'timer-change' || isExpired(row, now)) return null;
  // A disappearing message: the record has no timer, so a restore would keep it for good.
  if ((row.expireTimer ?? null) !== null) return null;
  // Deleted for everyone: nothing of it is kept, not even in a backup.
  if ((row.deletedAt ?? null) !== null) return null;
  return {
    type: 'message',
    id: row.id,
    conversationId: row.conversationId,
    kind: row.kind,
    direction: row.direction,
    senderAccountId: row.senderAccountId,
    sentAt: row.sentAt,
    receivedAt: row.receivedAt,
    sortKey: row.sortKey,
    state: row.state,
    envelopeId: row.envelopeId,
    serverTimestamp: row.serverTimestamp,
    body: row.body,
  };
}

/** A group: who told us of it and when it last changed; its state is folded again from its changes on restore. */
export function groupToRecord(row: GroupRecord): Of<'group'> {
  return { type: 'group', groupId: row.groupId, invitedBy: row.invitedBy, updatedAt: row.updatedAt };
}

export function groupChangeToRecord(row: GroupChangeRecord): Of<'group-change'> {
  return {
    type: 'group-change',
    groupId: row.groupId,
    changeId: row.changeId,
    body: row.body,
    signature: row.signature,
  };
}

export function groupChangeFromRecord(record: Of<'group-change'>): GroupChangeRecord {
  const { type: _type, ...rest } = record;
  return { id: `${rest.groupId}:${rest.changeId}`, ...rest };
}

export function relayFromRecord(record: Of<'relay'>): RelayRecord {
  const { type: _type, ...row } = record;
  return row;
}

export function contactFromRecord(record: Of<'contact'>): ContactRecord {
  // identityChangedAt: only in backups from versions that offered to accept forged keys; nothing to review now.
  const { type: _type, identityChangedAt: _reviewMarker, ...row } = record;
  return row;
}

export function conversationFromRecord(record: Of<'conversation'>): ConversationRecord {
  const { type: _type, ...rest } = record;
  return rest as ConversationRecord;
}

export function messageFromRecord(record: Of<'message'>): NewMessageRecord {
  const { type: _type, ...rest } = record;
  // A message the old device never got to the relay is failed here: the outbox did not travel.
  const state = rest.state === 'sending' ? 'failed' : rest.state;
  return { ...rest, state };
}
