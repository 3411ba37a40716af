/**
 * Engine rows <-> backup history records (crypto-core/backup-records). Bodies
 * and previews leave IndexedDB decrypted (the backup container encrypts them
 * again) and come back sealed under the restoring profile's data key.
 */
import type { HistoryRecord } from '@parley/crypto-core/backup-records';
import type { BodyCipher } from '../body-cipher.js';
import type { ContactRecord, ConversationRecord, MessageRecord, RelayRecord, SettingRecord } from '../records.js';

type Of<T extends HistoryRecord['type']> = Extract<HistoryRecord, { type: T }>;

/** Settings that describe this device or its registration: never carried to another install. */
export const DEVICE_SETTING_KEYS: ReadonlySet<string> = new Set([
  'account',
  'pendingPreKeyUpload',
  'lastRotationCheckAt',
  'restoredFromBackup',
  'takenOver',
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
  };
}

export async function conversationToRecord(row: ConversationRecord, cipher: BodyCipher): Promise<Of<'conversation'>> {
  const preview =
    row.preview === null
      ? null
      : await cipher.open({ table: 'conversations', field: 'preview', id: row.id }, row.preview);
  return {
    type: 'conversation',
    id: row.id,
    kind: row.kind,
    peerId: row.peerId,
    title: row.title,
    lastActivityAt: row.lastActivityAt,
    lastSortKey: row.lastSortKey,
    unreadCount: row.unreadCount,
    preview,
    createdAt: row.createdAt,
  };
}

export async function messageToRecord(row: MessageRecord, cipher: BodyCipher): Promise<Of<'message'>> {
  const body = row.body === null ? null : await cipher.open({ table: 'messages', field: 'body', id: row.id }, row.body);
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
    body,
  };
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

export async function conversationFromRecord(
  record: Of<'conversation'>,
  cipher: BodyCipher,
): Promise<ConversationRecord> {
  const { type: _type, preview, ...rest } = record;
  const sealed =
    preview === null ? null : await cipher.seal({ table: 'conversations', field: 'preview', id: record.id }, preview);
  return { ...rest, preview: sealed } as ConversationRecord;
}

export async function messageFromRecord(record: Of<'message'>, cipher: BodyCipher): Promise<MessageRecord> {
  const { type: _type, body, ...rest } = record;
  // A message the old device never got to the relay is failed here: the outbox did not travel.
  const state = rest.state === 'sending' ? 'failed' : rest.state;
  const sealed = body === null ? null : await cipher.seal({ table: 'messages', field: 'body', id: record.id }, body);
  return { ...rest, state, body: sealed };
}
