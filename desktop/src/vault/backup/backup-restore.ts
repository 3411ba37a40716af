/**
 * Restores in progress. A browser page has a File, not a path, so it uploads
 * the backup in slices into a private file in the profile folder; the CLI
 * opens a path directly. Then, in order:
 *
 *   open      the whole file is verified (every chunk, TAG_FINAL, every
 *             record against the summary) before anything is imported
 *   identity  the vault gets the backup's identity (vault.ts)
 *   read      the history is streamed back to the engine, one batch per call
 *             (a second authenticated pass over the same file)
 *   finish    'imported' forgets the upload; 'failed' also removes the
 *             identity this restore created, so nothing of it stays
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { backupRecordWeight, type HistoryRecord } from '@parley/crypto-core';
import { MAX_BACKUP_BATCH_WEIGHT, MAX_BACKUP_RECORDS_PER_CALL } from '../../common/vault-api.js';
import { ensurePrivateFile } from '../profile-files.js';
import { invalidArgumentError, storageError } from '../vault-errors.js';
import {
  historyRecords,
  isImportedRecord,
  type OpenedBackup,
  openBackupFile,
  type VerifiedBackup,
  verifyBackupFile,
} from './backup-reading.js';

/** Uploads larger than this are refused (a backup of a few million messages fits). */
export const MAX_BACKUP_UPLOAD_TOTAL = 16 * 1024 * 1024 * 1024;

interface Upload {
  readonly path: string;
  bytes: number;
}

export interface RestoreSession {
  readonly id: string;
  readonly path: string;
  readonly opened: OpenedBackup;
  readonly verified: VerifiedBackup;
  /** Set once the vault holds the identity this restore created. */
  identityCreated: boolean;
  reader: AsyncGenerator<HistoryRecord, void, undefined> | null;
  read: number;
  /** The upload file to delete when done (null when the file is the user's own, e.g. from the CLI). */
  readonly ownedFile: string | null;
  /** A staged restore keeps its file after a failed import, so the next start can try again. */
  readonly keepOnFailure: boolean;
}

export class BackupRestores {
  readonly #uploads = new Map<string, Upload>();
  readonly #sessions = new Map<string, RestoreSession>();

  constructor(private readonly profileDir: string) {}

  upload(uploadId: string | undefined, data: Uint8Array): { uploadId: string; bytes: number } {
    let upload: Upload | undefined;
    let id = uploadId;
    if (id === undefined) {
      id = randomUUID();
      upload = { path: join(this.profileDir, `.backup-upload-${id}.partial`), bytes: 0 };
      ensurePrivateFile(upload.path);
      this.#uploads.set(id, upload);
    } else {
      upload = this.#uploads.get(id);
      if (upload === undefined) throw invalidArgumentError('no such backup upload');
    }
    if (upload.bytes + data.byteLength > MAX_BACKUP_UPLOAD_TOTAL) throw invalidArgumentError('the backup is too large');
    try {
      appendFileSync(upload.path, data);
    } catch (error) {
      throw storageError('the backup upload cannot be stored', error);
    }
    upload.bytes += data.byteLength;
    return { uploadId: id, bytes: upload.bytes };
  }

  /** Verifies an uploaded file (`uploadId`) or a local one (`path`, CLI) completely. */
  async open(source: { uploadId: string } | { path: string }, passphrase: string): Promise<RestoreSession> {
    let path: string;
    let ownedFile: string | null = null;
    if ('uploadId' in source) {
      const upload = this.#uploads.get(source.uploadId);
      if (upload === undefined) throw invalidArgumentError('no such backup upload');
      this.#uploads.delete(source.uploadId);
      path = upload.path;
      ownedFile = upload.path;
    } else {
      path = source.path;
      statSync(path);
    }
    try {
      return await this.openWithKey(path, await openBackupFile(path, passphrase), ownedFile, false);
    } catch (error) {
      if (ownedFile !== null) rmSync(ownedFile, { force: true });
      throw error;
    }
  }

  /** Verifies a file whose key is known (a staged restore) and starts a session over it. */
  async openWithKey(
    path: string,
    opened: OpenedBackup,
    ownedFile: string | null,
    keepOnFailure: boolean,
  ): Promise<RestoreSession> {
    const verified = await verifyBackupFile(path, opened);
    const session: RestoreSession = {
      id: randomUUID(),
      path,
      opened,
      verified,
      identityCreated: false,
      reader: null,
      read: 0,
      ownedFile,
      keepOnFailure,
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  get(restoreId: string): RestoreSession {
    const session = this.#sessions.get(restoreId);
    if (session === undefined) throw invalidArgumentError('no such backup restore');
    return session;
  }

  /** The next batch of history records. */
  async read(restoreId: string): Promise<{ records: HistoryRecord[]; done: boolean; read: number }> {
    const session = this.get(restoreId);
    session.reader ??= historyRecords(session.path, session.opened.key);
    const records: HistoryRecord[] = [];
    let weight = 0;
    while (records.length < MAX_BACKUP_RECORDS_PER_CALL && weight < MAX_BACKUP_BATCH_WEIGHT) {
      const next = await session.reader.next();
      if (next.done === true) return { records, done: true, read: session.read };
      // Dropped records still count as read, so progress reaches the summary's total.
      session.read += 1;
      if (!isImportedRecord(next.value)) continue;
      records.push(next.value);
      weight += backupRecordWeight(next.value);
    }
    return { records, done: false, read: session.read };
  }

  /** Forgets the session and its upload file; answers it so the caller can undo the identity. */
  async close(restoreId: string, outcome: 'imported' | 'failed'): Promise<RestoreSession> {
    const session = this.get(restoreId);
    this.#sessions.delete(restoreId);
    await session.reader?.return();
    const keep = outcome === 'failed' && session.keepOnFailure;
    if (session.ownedFile !== null && !keep) rmSync(session.ownedFile, { force: true });
    return session;
  }
}
