/**
 * One export in progress: the key derived (Argon2id in a worker), the
 * container's encrypting writer running over a ByteChannel into a temporary
 * file beside the target, and a tally of what went in. The engine feeds the
 * history in batches (backupExportWrite); `finish` writes the `end` record,
 * closes the stream (TAG_FINAL), fsyncs, links the file to its name and
 * fsyncs the folder. Until then the only file is `.<name>.<random>.partial`,
 * which no reader accepts as a backup (it has no final chunk), so an
 * interrupted export (even kill -9) never leaves a file that looks valid. The
 * name is created exclusively (writeNewBackupFile): an export never replaces
 * a file; when the name is taken (two exports in one second) it becomes
 * "name (2).parleybackup", and `finish` answers the name it got.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  type Argon2idParams,
  BACKUP_RECORDS_FORMAT,
  BACKUP_RECORDS_VERSION,
  type BackupCounts,
  type BackupRecord,
  BackupTally,
  concatBytes,
  encodeBackupRecord,
  encryptBackupWithKey,
  type HistoryRecord,
  writeNewBackupFile,
} from '@parley/crypto-core';
import { fsyncDirectorySync } from '@parley/crypto-core/node';
import { storageError } from '../vault-errors.js';
import { createBackupKeyInWorker } from './backup-key-worker.js';
import { ByteChannel } from './byte-channel.js';
import type { KeySection } from './key-section.js';

export interface ExportTarget {
  readonly directory: string;
  readonly fileName: string;
}

export interface FinishedExport {
  /** Where the backup was saved: the name asked for, or a numbered one when that was taken. */
  readonly path: string;
  readonly bytes: number;
  readonly counts: BackupCounts;
}

export class BackupExport {
  /** The name asked for (the saved file may get a numbered name: FinishedExport.path). */
  readonly path: string;
  readonly #channel: ByteChannel;
  readonly #tally = new BackupTally();
  readonly #writer: Promise<{ bytesWritten: number; path: string }>;
  /** Settles (rejects) as soon as the writer fails, so a push never waits on a dead consumer. */
  readonly #writerFailed: Promise<never>;
  #records = 0;
  #plaintextBytes = 0;

  private constructor(path: string, channel: ByteChannel, writer: Promise<{ bytesWritten: number; path: string }>) {
    this.path = path;
    this.#channel = channel;
    this.#writer = writer;
    this.#writerFailed = writer.then(() => {
      throw storageError('the backup writer stopped early', null);
    });
    // Observed through #writerFailed / finish / abort; never left unhandled.
    this.#writerFailed.catch(() => undefined);
  }

  /** Derives the key, opens the temporary file and writes the backup record and the key section. */
  static async begin(
    passphrase: string,
    kdf: Argon2idParams,
    target: ExportTarget,
    keys: KeySection,
    now: number,
  ): Promise<BackupExport> {
    const key = await createBackupKeyInWorker(passphrase, kdf);
    try {
      mkdirSync(target.directory, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw storageError('the backup folder cannot be created', error);
    }
    const path = join(target.directory, target.fileName);
    const channel = new ByteChannel();
    const session = new BackupExport(path, channel, writeNewBackupFile(path, encryptBackupWithKey(channel, key)));
    const head: BackupRecord[] = [
      {
        type: 'backup',
        format: BACKUP_RECORDS_FORMAT,
        version: BACKUP_RECORDS_VERSION,
        createdAt: now,
        includesIdentity: keys.identity !== null,
      },
      ...(keys.identity === null ? [] : [keys.identity]),
      ...keys.trusted,
    ];
    await session.#push(head);
    return session;
  }

  /** Appends history records; answers running totals for progress. */
  async write(records: readonly HistoryRecord[]): Promise<{ records: number; bytes: number }> {
    await this.#push(records);
    return { records: this.#records, bytes: this.#plaintextBytes };
  }

  async finish(): Promise<FinishedExport> {
    await this.#push([this.#tally.endRecord()]);
    this.#channel.close();
    let written: { bytesWritten: number; path: string };
    try {
      written = await this.#writer;
      fsyncDirectorySync(dirname(written.path));
    } catch (error) {
      throw storageError('the backup file could not be written', error);
    }
    return { path: written.path, bytes: written.bytesWritten, counts: { ...this.#tally.counts } };
  }

  /** Stops the export; the temporary file is removed and no backup file appears. */
  async abort(): Promise<void> {
    this.#channel.fail(new Error('the backup export was aborted'));
    await this.#writer.catch(() => undefined);
  }

  async #push(records: readonly BackupRecord[]): Promise<void> {
    const lines = records.map((record) => {
      this.#tally.add(record);
      return encodeBackupRecord(record);
    });
    const batch = concatBytes(...lines);
    this.#records += records.length;
    this.#plaintextBytes += batch.byteLength;
    try {
      await Promise.race([this.#channel.push(batch), this.#writerFailed]);
    } catch (error) {
      throw storageError('the backup file could not be written', error);
    }
  }
}
