/**
 * The engine's half of a backup export: reads Dexie in pages (no table is
 * ever loaded whole; the at-rest layer opens each row as it is read) and
 * streams plain history records to the vault in batches; the vault adds the
 * identity section, seals everything with the backup container and writes
 * the file (vault/backup/). Any failure aborts the export, which removes the
 * vault's temporary file.
 */
import { type BackupCounts, backupBatches, type HistoryRecord } from '@parley/crypto-core/backup-records';
import { MAX_BACKUP_BATCH_WEIGHT, MAX_BACKUP_RECORDS_PER_CALL } from '../../../common/vault-api.js';
import type { EngineDatabase } from '../database.js';
import type { MessageRecord } from '../records.js';
import type { VaultGateway } from '../vault-calls.js';
import {
  contactToRecord,
  conversationToRecord,
  groupChangeToRecord,
  groupToRecord,
  messageToRecord,
  relayToRecord,
  settingToRecord,
} from './history-records.js';

export interface BackupExportRequest {
  /** A generated code or a chosen passphrase that passes backupPassphraseStrength. */
  readonly passphrase: string;
  /** Put this account's identity in the backup, so contacts see no key change after a restore. */
  readonly includeIdentity: boolean;
  readonly fileName?: string;
  readonly onProgress?: (progress: BackupProgress) => void;
}

export interface BackupProgress {
  readonly phase: 'preparing' | 'writing' | 'finishing' | 'uploading' | 'verifying' | 'importing' | 'done';
  /** Records (or bytes while uploading) done so far, out of `total`. */
  readonly done: number;
  readonly total: number;
}

export interface BackupExportResult {
  readonly path: string;
  readonly bytes: number;
  readonly counts: BackupCounts;
}

/** Messages read and sent per step: one Dexie page, one vault call. */
const PAGE_SIZE = MAX_BACKUP_RECORDS_PER_CALL;

/** One conversation's messages in order, a page at a time (the [conversationId+position] index). */
async function* conversationMessages(db: EngineDatabase, conversationId: string): AsyncGenerator<MessageRecord[]> {
  let after = '';
  for (;;) {
    const rows: MessageRecord[] = await db.messages
      .where('[conversationId+position]')
      .between([conversationId, after], [conversationId, '\uffff'], false, true)
      .limit(PAGE_SIZE)
      .toArray();
    const last = rows[rows.length - 1];
    if (last === undefined) return;
    after = last.position;
    yield rows;
  }
}

/**
 * Every history record, one page at a time: relays, settings, contacts,
 * conversations, then each conversation's messages oldest first (so a
 * readable copy can write each conversation in one go), then each group and
 * its signed changes. `only` limits it to one conversation and the contacts.
 */
async function* historyPages(db: EngineDatabase, only: string | null): AsyncGenerator<HistoryRecord[]> {
  // Wall-clock time, as the sweep's: a disappearing message past its time is left out.
  const now = Date.now();
  if (only === null) {
    yield (await db.relays.toArray()).map(relayToRecord);
    yield (await db.settings.toArray()).flatMap((row) => settingToRecord(row) ?? []);
  }
  yield (await db.contacts.toArray()).map(contactToRecord);
  const conversations = (await db.conversations.toArray()).filter((row) => only === null || row.id === only);
  yield conversations.map(conversationToRecord);
  const exported = new Set<string>();
  let inConversations = 0;
  for (const conversation of conversations) {
    exported.add(conversation.id);
    for await (const rows of conversationMessages(db, conversation.id)) {
      inConversations += rows.length;
      yield rows.flatMap((row) => messageToRecord(row, now) ?? []);
    }
  }
  if (only !== null) return;
  // Groups and their signed changes (a group's changes are few: bounded by its limits).
  for (const group of await db.groups.toArray()) {
    yield [groupToRecord(group)];
    const changes = await db.groupChanges.where('groupId').equals(group.groupId).toArray();
    for (let i = 0; i < changes.length; i += PAGE_SIZE) yield changes.slice(i, i + PAGE_SIZE).map(groupChangeToRecord);
  }
  // Messages whose conversation row is missing still belong in a backup. Ids are
  // stored hashed, so they cannot be paged in order: when the counts show there
  // are any (hardly ever), one pass over the table keeps just those.
  if ((await db.messages.count()) === inConversations) return;
  const orphans = await db.messages.filter((row) => !exported.has(row.conversationId)).toArray();
  for (let i = 0; i < orphans.length; i += PAGE_SIZE)
    yield orphans.slice(i, i + PAGE_SIZE).flatMap((row) => messageToRecord(row, now) ?? []);
}

async function totalRecords(db: EngineDatabase): Promise<number> {
  const counts = await Promise.all([
    db.relays.count(),
    db.settings.count(),
    db.contacts.count(),
    db.conversations.count(),
    db.messages.count(),
    db.groups.count(),
    db.groupChanges.count(),
  ]);
  return counts.reduce((sum, count) => sum + count, 0);
}

/**
 * Streams the history into an export the vault opened (encrypted or
 * readable), then finishes it; aborts it on failure. Also what the CLI's
 * export page runs, on an export the CLI began.
 */
export async function writeHistoryInto(
  vault: VaultGateway,
  db: EngineDatabase,
  exportId: string,
  only: string | null,
  report: (progress: BackupProgress) => void,
): Promise<BackupExportResult> {
  try {
    const total = await totalRecords(db);
    let done = 0;
    for await (const page of historyPages(db, only)) {
      for (const records of backupBatches(page, PAGE_SIZE, MAX_BACKUP_BATCH_WEIGHT)) {
        await vault.call('backupExportWrite', { exportId, records });
        done += records.length;
        report({ phase: 'writing', done, total: Math.max(total, done) });
      }
    }
    report({ phase: 'finishing', done, total: Math.max(total, done) });
    const result = await vault.call('backupExportFinish', { exportId });
    report({ phase: 'done', done, total: done });
    return result;
  } catch (error) {
    await vault.call('backupExportAbort', { exportId }).catch(() => undefined);
    throw error;
  }
}

export async function exportBackup(
  vault: VaultGateway,
  db: EngineDatabase,
  request: BackupExportRequest,
): Promise<BackupExportResult> {
  const report = request.onProgress ?? (() => undefined);
  report({ phase: 'preparing', done: 0, total: 1 });
  const { exportId } = await vault.call('backupExportBegin', {
    passphrase: request.passphrase,
    includeIdentity: request.includeIdentity,
    ...(request.fileName === undefined ? {} : { fileName: request.fileName }),
  });
  return writeHistoryInto(vault, db, exportId, null, report);
}

export interface ReadableExportRequest {
  /** One conversation only; default everything. */
  readonly conversationId?: string;
  readonly onProgress?: (progress: BackupProgress) => void;
}

/** The opt-in readable copy (HTML + JSON, no keys), written by the vault into a new folder. */
export async function exportReadable(
  vault: VaultGateway,
  db: EngineDatabase,
  request: ReadableExportRequest,
): Promise<BackupExportResult> {
  const { exportId } = await vault.call(
    'backupReadableBegin',
    request.conversationId === undefined ? {} : { conversationId: request.conversationId },
  );
  return writeHistoryInto(vault, db, exportId, request.conversationId ?? null, request.onProgress ?? (() => undefined));
}
