/**
 * The engine's half of a restore on a fresh install (onboarding's "Restore
 * from a backup", or a profile the CLI staged):
 *
 *   1. upload  the page's File goes to the vault in 1 MiB slices
 *   2. open    the vault verifies the whole file before anything is imported
 *   3. identity the vault takes the backup's identity (new data key)
 *   4. import  history batches from the vault are written to a fresh Dexie
 *              database sealed under the new data key, one transaction per
 *              batch, under a restore marker; then each group is folded
 *              again from its signed changes (no sender key of ours: the
 *              next group text makes one, and members' keys come by
 *              sender-key repair as their messages arrive)
 *   5. resets  one `session-reset` per contact is queued: sending it finds no
 *              session (none are restored), so the outbox fetches the
 *              contact's bundles and starts a new session; the peer switches
 *              to it on receipt and re-sends what it never saw delivered
 *              (session-repair.ts, docs/backup-format.md)
 *
 * All or nothing: any failure deletes the Dexie database and tells the vault
 * the restore failed, which removes the identity it created. The next
 * Engine.start sees the marker and registers afresh (fresh prekeys) first.
 */

import type { BackupSummary, HistoryRecord } from '@parley/crypto-core/backup-records';
import { toBase64 } from '@parley/crypto-core/encoding';
import type { AccountId } from '@parley/crypto-core/wire';
import { Dexie } from 'dexie';
import type { VaultClient } from '../../../common/invoke.js';
import { type AccountInfo, MAX_BACKUP_UPLOAD_BYTES } from '../../../common/vault-api.js';
import { dataKeyFrom, engineDatabaseName, legacyDatabaseName, openProfileDatabase } from '../at-rest/open-database.js';
import type { EngineDatabase } from '../database.js';
import { GroupStore } from '../groups/group-store.js';
import type {
  ContactRecord,
  ConversationRecord,
  GroupChangeRecord,
  NewMessageRecord,
  RelayRecord,
  SettingRecord,
} from '../records.js';
import { sessionResetItem } from '../session-repair.js';
import { VaultGateway } from '../vault-calls.js';
import type { BackupProgress } from './backup-export.js';
import {
  contactFromRecord,
  conversationFromRecord,
  groupChangeFromRecord,
  messageFromRecord,
  relayFromRecord,
} from './history-records.js';
import { writeRestoreMarker } from './restore-marker.js';

export interface BackupRestoreRequest extends HistoryImportTarget {
  readonly passphrase: string;
  /** The new vault's own passphrase, when it is passphrase-protected (web shell). */
  readonly vaultPassphrase?: string;
}

export interface BackupRestoreResult {
  readonly account: AccountInfo;
  readonly summary: BackupSummary;
  /** Setting keys in the backup this version does not restore (dropped; docs/backup-format.md). */
  readonly ignoredSettingKeys: readonly string[];
}

/** Sends the backup file (a browser File or any Blob) to the vault; answers the upload id. */
export async function uploadBackup(
  vault: VaultClient,
  file: Blob,
  onProgress: (progress: BackupProgress) => void = () => undefined,
): Promise<string> {
  const gateway = new VaultGateway(vault);
  let uploadId: string | undefined;
  for (let offset = 0; offset < file.size || uploadId === undefined; offset += MAX_BACKUP_UPLOAD_BYTES) {
    const slice = new Uint8Array(await file.slice(offset, offset + MAX_BACKUP_UPLOAD_BYTES).arrayBuffer());
    if (slice.byteLength === 0) throw new Error('the backup file is empty');
    const answer = await gateway.call('backupUpload', { data: toBase64(slice), ...(uploadId ? { uploadId } : {}) });
    uploadId = answer.uploadId;
    onProgress({ phase: 'uploading', done: answer.bytes, total: file.size });
  }
  return uploadId;
}

type GroupBackupRecord = Extract<HistoryRecord, { type: 'group' }>;

/** Writes one batch; answers its `group` records, which are folded once every change is in. */
async function importBatch(db: EngineDatabase, records: readonly HistoryRecord[]): Promise<GroupBackupRecord[]> {
  const groups: GroupBackupRecord[] = [];
  const groupChanges: GroupChangeRecord[] = [];
  const relays: RelayRecord[] = [];
  const settings: SettingRecord[] = [];
  const contacts: ContactRecord[] = [];
  const conversations: ConversationRecord[] = [];
  const messages: NewMessageRecord[] = [];
  for (const record of records) {
    if (record.type === 'relay') relays.push(relayFromRecord(record));
    else if (record.type === 'setting')
      settings.push({ key: record.key, value: record.value } as unknown as SettingRecord);
    else if (record.type === 'contact') contacts.push(contactFromRecord(record));
    else if (record.type === 'conversation') conversations.push(conversationFromRecord(record));
    else if (record.type === 'group') groups.push(record);
    else if (record.type === 'group-change') groupChanges.push(groupChangeFromRecord(record));
    else messages.push(messageFromRecord(record));
  }
  const tables = [db.relays, db.settings, db.contacts, db.conversations, db.messages, db.groupChanges];
  await db.dexie.transaction('rw', tables, async () => {
    await db.relays.bulkPut(relays);
    await db.settings.bulkPut(settings);
    await db.contacts.bulkPut(contacts);
    await db.conversations.bulkPut(conversations);
    await db.messages.bulkPut(messages);
    await db.groupChanges.bulkPut(groupChanges);
  });
  return groups;
}

/** One session-reset per contact (session-repair.ts): fresh sessions, and the peers re-send what was not delivered. */
async function queueSessionResets(db: EngineDatabase, now: number): Promise<void> {
  const contacts = await db.contacts.toArray();
  const items = contacts.map((contact) => sessionResetItem(contact.accountId, crypto.randomUUID(), now));
  await db.dexie.transaction('rw', [db.outbox, db.settings], async () => {
    await db.outbox.bulkAdd(items);
    await writeRestoreMarker(db, { state: 'pending-registration', at: now });
  });
}

export interface HistoryImportTarget {
  readonly indexedDB?: IDBFactory | undefined;
  readonly IDBKeyRange?: typeof IDBKeyRange | undefined;
  /** Database name for the restored account (default: derived from its data key, as Engine does). */
  readonly databaseName?: ((accountId: AccountId) => string) | undefined;
  readonly onProgress?: ((progress: BackupProgress) => void) | undefined;
  readonly now?: (() => number) | undefined;
}

/**
 * Streams an opened restore's history into a fresh Dexie database and queues
 * the session resets. On failure the database is deleted and the vault told
 * (it then removes what the restore created) before the error is rethrown.
 */
async function importHistory(
  gateway: VaultGateway,
  restoreId: string,
  summary: BackupSummary,
  account: () => Promise<AccountInfo>,
  target: HistoryImportTarget,
): Promise<AccountInfo> {
  const report = target.onProgress ?? (() => undefined);
  const now = target.now ?? Date.now;
  const total = Object.values(summary.counts).reduce((sum, count) => sum + count, 0) - summary.counts.trustedIdentities;
  let db: EngineDatabase | null = null;
  try {
    const restored = await account();
    const dataKey = await dataKeyFrom(gateway);
    const name = target.databaseName?.(restored.accountId) ?? engineDatabaseName(dataKey);
    const dexieOptions = {
      ...(target.indexedDB === undefined ? {} : { indexedDB: target.indexedDB }),
      ...(target.IDBKeyRange === undefined ? {} : { IDBKeyRange: target.IDBKeyRange }),
    };
    // A fresh install has no database by these names; one left by an earlier attempt (or
    // an old install's version 1 history of this account) is not ours to merge into.
    await new Dexie(name, dexieOptions).delete();
    await new Dexie(legacyDatabaseName(restored.accountId), dexieOptions).delete();
    db = await openProfileDatabase(dataKey, restored.accountId, { ...target, name });
    await writeRestoreMarker(db, { state: 'importing', at: now() });
    let done = 0;
    const groups: GroupBackupRecord[] = [];
    for (;;) {
      const batch = await gateway.call('backupRestoreRead', { restoreId });
      if (batch.records.length > 0) groups.push(...(await importBatch(db, batch.records)));
      done = batch.read;
      report({ phase: 'importing', done, total });
      if (batch.done) break;
    }
    const store = new GroupStore(db, restored.accountId);
    for (const group of groups) await store.restore(group.groupId, group.invitedBy, group.updatedAt);
    await queueSessionResets(db, now());
    await gateway.call('backupRestoreFinish', { restoreId, outcome: 'imported' });
    report({ phase: 'done', done, total: done });
    return restored;
  } catch (error) {
    if (db !== null) await db.dexie.delete().catch(() => undefined);
    await gateway.call('backupRestoreFinish', { restoreId, outcome: 'failed' }).catch(() => undefined);
    throw error;
  } finally {
    db?.close();
  }
}

/** Verifies, restores the identity and imports the history of an uploaded backup; all or nothing. */
export async function restoreBackup(
  vault: VaultClient,
  uploadId: string,
  request: BackupRestoreRequest,
): Promise<BackupRestoreResult> {
  const gateway = new VaultGateway(vault);
  request.onProgress?.({ phase: 'verifying', done: 0, total: 1 });
  const { restoreId, summary, ignoredSettingKeys } = await gateway.call('backupRestoreOpen', {
    uploadId,
    passphrase: request.passphrase,
  });
  const identityArgs =
    request.vaultPassphrase === undefined ? { restoreId } : { restoreId, vaultPassphrase: request.vaultPassphrase };
  const account = await importHistory(
    gateway,
    restoreId,
    summary,
    () => gateway.call('backupRestoreIdentity', identityArgs),
    request,
  );
  return { account, summary, ignoredSettingKeys };
}

/**
 * Imports a history the CLI staged in this profile (`npm run backup --
 * restore`), if there is one; the vault already holds the identity. A failed
 * import keeps the staged file, so the next start tries again.
 */
export async function importStagedBackup(
  gateway: VaultGateway,
  account: AccountInfo,
  target: HistoryImportTarget,
): Promise<boolean> {
  const staged = await gateway.call('backupRestoreStaged', {});
  if (staged === null) return false;
  await importHistory(gateway, staged.restoreId, staged.summary, async () => account, target);
  return true;
}
