/**
 * The engine's half of a backup export: reads Dexie in pages (no table is
 * ever loaded whole), decrypts bodies and previews with the data key, and
 * streams plain history records to the vault in batches; the vault adds the
 * identity section, seals everything with the backup container and writes
 * the file (vault/backup/). Any failure aborts the export, which removes the
 * vault's temporary file.
 */
import { type BackupCounts, backupBatches, type HistoryRecord } from '@parley/crypto-core/backup-records';
import { MAX_BACKUP_BATCH_WEIGHT, MAX_BACKUP_RECORDS_PER_CALL } from '../../../common/vault-api.js';
import { BodyCipher } from '../body-cipher.js';
import { MAX_SORT_KEY, MIN_SORT_KEY } from '../conversation-ids.js';
import type { EngineDatabase } from '../database.js';
import { fromBase64 } from '../encoding.js';
import type { MessageRecord } from '../records.js';
import type { VaultGateway } from '../vault-calls.js';
import {
  contactToRecord,
  conversationToRecord,
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

export async function dataCipher(vault: VaultGateway): Promise<BodyCipher> {
  const { key } = await vault.call('getDataKey', {});
  return BodyCipher.fromRawKey(fromBase64(key));
}

/** One conversation's messages in order, a page at a time (the [conversationId+sortKey] index). */
async function* conversationMessages(db: EngineDatabase, conversationId: string): AsyncGenerator<MessageRecord[]> {
  let after = MIN_SORT_KEY;
  for (;;) {
    const rows: MessageRecord[] = await db.messages
      .where('[conversationId+sortKey]')
      .between([conversationId, after], [conversationId, MAX_SORT_KEY], false, true)
      .limit(PAGE_SIZE)
      .toArray();
    if (rows.length === 0) return;
    after = rows[rows.length - 1]?.sortKey ?? MAX_SORT_KEY;
    yield rows;
  }
}

/**
 * Every history record, one page at a time: relays, settings, contacts,
 * conversations, then each conversation's messages oldest first (so a
 * readable copy can write each conversation in one go). `only` limits it to
 * one conversation and the contacts.
 */
async function* historyPages(
  db: EngineDatabase,
  cipher: BodyCipher,
  only: string | null,
): AsyncGenerator<HistoryRecord[]> {
  if (only === null) {
    yield (await db.relays.toArray()).map(relayToRecord);
    yield (await db.settings.toArray()).flatMap((row) => settingToRecord(row) ?? []);
  }
  yield (await db.contacts.toArray()).map(contactToRecord);
  const conversations = (await db.conversations.toArray()).filter((row) => only === null || row.id === only);
  yield await Promise.all(conversations.map((row) => conversationToRecord(row, cipher)));
  const exported = new Set<string>();
  for (const conversation of conversations) {
    exported.add(conversation.id);
    for await (const rows of conversationMessages(db, conversation.id)) {
      // Bodies are opened after the read: WebCrypto would close an IndexedDB transaction.
      yield await Promise.all(rows.map((row) => messageToRecord(row, cipher)));
    }
  }
  if (only !== null) return;
  // Messages whose conversation row is missing still belong in a backup.
  let after: string | null = null;
  for (;;) {
    const rows: MessageRecord[] = await (after === null
      ? db.messages.orderBy(':id')
      : db.messages.where(':id').above(after)
    )
      .limit(PAGE_SIZE)
      .toArray();
    if (rows.length === 0) return;
    after = rows[rows.length - 1]?.id ?? null;
    const orphans = rows.filter((row) => !exported.has(row.conversationId));
    if (orphans.length > 0) yield await Promise.all(orphans.map((row) => messageToRecord(row, cipher)));
  }
}

async function totalRecords(db: EngineDatabase): Promise<number> {
  const counts = await Promise.all([
    db.relays.count(),
    db.settings.count(),
    db.contacts.count(),
    db.conversations.count(),
    db.messages.count(),
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
    const cipher = await dataCipher(vault);
    let done = 0;
    for await (const page of historyPages(db, cipher, only)) {
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
