/**
 * Reading a backup file from disk (vault restore and the CLI): header,
 * key (Argon2id in the worker), then one streaming pass that authenticates
 * every chunk and TAG_FINAL and checks every record against the `end`
 * summary, holding one chunk and one record at a time. Only the key section
 * (identity and trusted contact keys, a few per contact) is kept.
 */
import { open } from 'node:fs/promises';
import {
  BACKUP_HEADER_BYTES,
  type BackupHeader,
  type BackupKey,
  type BackupRecord,
  type BackupSummary,
  decodeBackupRecords,
  decryptBackupWithKey,
  type HistoryRecord,
  type IdentityBackupRecord,
  readBackupFile,
  readBackupHeader,
  type TrustedIdentityBackupRecord,
} from '@parley/crypto-core';
import { checkRestoredSetting, isRestorableSettingKey } from '../../common/backup-settings.js';
import { invalidBackupSettingError } from '../vault-errors.js';
import { deriveBackupKeyInWorker } from './backup-key-worker.js';
import type { KeySection } from './key-section.js';

/** The file's header, checked without the passphrase. */
export async function readBackupFileHeader(path: string): Promise<BackupHeader> {
  const file = await open(path, 'r');
  try {
    const head = new Uint8Array(BACKUP_HEADER_BYTES);
    const { bytesRead } = await file.read(head, 0, BACKUP_HEADER_BYTES, 0);
    return await readBackupHeader(head.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}

export interface OpenedBackup {
  readonly header: BackupHeader;
  readonly key: BackupKey;
}

/** Header and key; a wrong passphrase is found at the first read (BAD_PASSPHRASE). */
export async function openBackupFile(path: string, passphrase: string): Promise<OpenedBackup> {
  const header = await readBackupFileHeader(path);
  return { header, key: await deriveBackupKeyInWorker(passphrase, header) };
}

/** The file's bytes, reporting how many were read so far (for progress). */
async function* countedFile(path: string, onBytes: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  for await (const slice of readBackupFile(path)) {
    bytes += slice.byteLength;
    onBytes(bytes);
    yield slice;
  }
}

/** Every record of the file, checked, in order. Whole only when iteration ends without an error. */
export function backupRecords(
  path: string,
  key: BackupKey,
  onBytes?: (bytes: number) => void,
): AsyncGenerator<BackupRecord, void, undefined> {
  const source = onBytes === undefined ? readBackupFile(path) : countedFile(path, onBytes);
  return decodeBackupRecords(decryptBackupWithKey(source, key));
}

/** Only the history records (what the engine imports). */
export async function* historyRecords(path: string, key: BackupKey): AsyncGenerator<HistoryRecord, void, undefined> {
  for await (const record of backupRecords(path, key)) {
    if (
      record.type === 'relay' ||
      record.type === 'setting' ||
      record.type === 'contact' ||
      record.type === 'conversation' ||
      record.type === 'message' ||
      record.type === 'group' ||
      record.type === 'group-change'
    ) {
      yield record;
    }
  }
}

export interface VerifiedBackup {
  readonly summary: BackupSummary;
  readonly keys: KeySection;
  /** Keys of setting records this build does not restore (dropped on import), once each. */
  readonly ignoredSettingKeys: readonly string[];
}

/** Whether a history record is imported: setting records only with a key this build restores. */
export function isImportedRecord(record: HistoryRecord): boolean {
  return record.type !== 'setting' || isRestorableSettingKey(record.key);
}

/** Reads the whole file once: every chunk, the final tag, every record, the summary. Imports nothing. */
export async function verifyBackupFile(
  path: string,
  opened: OpenedBackup,
  onBytes?: (bytes: number) => void,
): Promise<VerifiedBackup> {
  let identity: IdentityBackupRecord | null = null;
  const trusted: TrustedIdentityBackupRecord[] = [];
  let summary: BackupSummary | null = null;
  let start: { createdAt: number; includesIdentity: boolean; version: number } | null = null;
  const ignoredSettingKeys = new Set<string>();
  for await (const record of backupRecords(path, opened.key, onBytes)) {
    if (record.type === 'setting') {
      const check = checkRestoredSetting(record.key, record.value);
      if (check.status === 'invalid') throw invalidBackupSettingError(check.message);
      if (check.status === 'unknown') ignoredSettingKeys.add(record.key);
    } else if (record.type === 'backup') start = record;
    else if (record.type === 'identity') identity = record;
    else if (record.type === 'trusted-identity') trusted.push(record);
    else if (record.type === 'end' && start !== null) {
      summary = {
        formatVersion: opened.header.formatVersion,
        recordsVersion: start.version,
        createdAt: start.createdAt,
        includesIdentity: start.includesIdentity,
        counts: record.counts,
        firstMessageAt: record.firstMessageAt,
        lastMessageAt: record.lastMessageAt,
      };
    }
  }
  // decodeBackupRecords refuses a stream without `backup` first and `end` last.
  if (summary === null) throw new Error('unreachable: a checked record stream has a summary');
  return { summary, keys: { identity, trusted }, ignoredSettingKeys: [...ignoredSettingKeys] };
}
