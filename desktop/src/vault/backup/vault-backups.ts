/**
 * The vault's backup calls, minus the two that change the vault's own
 * identity (vault.ts does those inside its serial queue): exports by id,
 * uploads and restores. Export and restore streaming runs outside the serial
 * queue, so messages keep flowing while a large backup is written.
 */
import { randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Argon2idParams, BackupTally, backupPassphraseStrength, type HistoryRecord } from '@parley/crypto-core';
import { fromBase64 } from '@parley/crypto-core/encoding';
import type { ParsedVaultArgs, VaultResults } from '../../common/vault-api.js';
import { invalidArgumentError } from '../vault-errors.js';
import { BackupExport, type FinishedExport } from './backup-export.js';
import { BackupRestores } from './backup-restore.js';
import type { KeySection } from './key-section.js';
import { ReadableExport } from './readable-export.js';
import { discardInterruptedRestore } from './restore-commit.js';

/** What an export id names: an encrypted backup being written, or a readable copy. */
interface ExportSink {
  readonly path: string;
  write(records: readonly HistoryRecord[]): Promise<{ records: number; bytes: number }>;
  finish(): Promise<FinishedExport>;
  abort(): Promise<void>;
}

/** The readable copy behind the same write/finish/abort calls (readable-export.ts). */
class ReadableSink implements ExportSink {
  readonly #tally = new BackupTally();
  #records = 0;

  constructor(private readonly readable: ReadableExport) {}

  get path(): string {
    return this.readable.folder;
  }

  async write(records: readonly HistoryRecord[]): Promise<{ records: number; bytes: number }> {
    for (const record of records) {
      this.#tally.add(record);
      this.readable.add(record);
    }
    this.#records += records.length;
    return { records: this.#records, bytes: 0 };
  }

  async finish(): Promise<FinishedExport> {
    this.readable.finish();
    return { path: this.readable.folder, bytes: 0, counts: { ...this.#tally.counts } };
  }

  async abort(): Promise<void> {
    this.readable.abort();
  }
}

export interface BackupOptions {
  /** Where exports are written; default ~/Parley Backups. */
  readonly backupDir?: string | undefined;
  /** Argon2id cost of new backups (recorded in each header); default MODERATE. Tests pass INTERACTIVE. */
  readonly backupKdf: Argon2idParams;
  readonly profileDir: string;
  readonly now: () => number;
}

export const DEFAULT_BACKUP_DIR_NAME = 'Parley Backups';
export const BACKUP_FILE_EXTENSION = '.parleybackup';

function defaultFileName(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
  return `parley-${stamp}${BACKUP_FILE_EXTENSION}`;
}

export class VaultBackups {
  readonly restores: BackupRestores;
  readonly #exports = new Map<string, ExportSink>();
  readonly #options: BackupOptions;

  constructor(options: BackupOptions) {
    this.#options = options;
    discardInterruptedRestore(options.profileDir);
    this.restores = new BackupRestores(options.profileDir);
  }

  get directory(): string {
    return this.#options.backupDir ?? join(homedir(), DEFAULT_BACKUP_DIR_NAME);
  }

  async exportBegin(
    args: ParsedVaultArgs<'backupExportBegin'>,
    keys: KeySection,
  ): Promise<VaultResults['backupExportBegin']> {
    const strength = backupPassphraseStrength(args.passphrase);
    if (!strength.acceptable) throw invalidArgumentError(`weak backup passphrase: ${strength.reason ?? ''}`);
    const now = this.#options.now();
    const session = await BackupExport.begin(
      args.passphrase,
      this.#options.backupKdf,
      { directory: this.directory, fileName: args.fileName ?? defaultFileName(now) },
      keys,
      now,
    );
    const exportId = randomUUID();
    this.#exports.set(exportId, session);
    return { exportId, path: session.path };
  }

  /** A readable copy (HTML + JSON) into a new folder beside the backups; fed like an export. */
  readableBegin(args: ParsedVaultArgs<'backupReadableBegin'>): VaultResults['backupReadableBegin'] {
    const stamp = defaultFileName(this.#options.now()).replace(BACKUP_FILE_EXTENSION, '');
    const name = stamp.replace('parley-', 'parley-readable-');
    const readable = ReadableExport.createNew(this.directory, name, args.conversationId ?? null);
    const exportId = randomUUID();
    this.#exports.set(exportId, new ReadableSink(readable));
    return { exportId, path: readable.folder };
  }

  exportWrite(args: ParsedVaultArgs<'backupExportWrite'>): Promise<VaultResults['backupExportWrite']> {
    return this.#export(args.exportId).write(args.records);
  }

  async exportFinish(args: ParsedVaultArgs<'backupExportFinish'>): Promise<VaultResults['backupExportFinish']> {
    const session = this.#export(args.exportId);
    this.#exports.delete(args.exportId);
    try {
      return await session.finish();
    } catch (error) {
      await session.abort();
      throw error;
    }
  }

  async exportAbort(args: ParsedVaultArgs<'backupExportAbort'>): Promise<null> {
    const session = this.#exports.get(args.exportId);
    this.#exports.delete(args.exportId);
    await session?.abort();
    return null;
  }

  upload(args: ParsedVaultArgs<'backupUpload'>): VaultResults['backupUpload'] {
    return this.restores.upload(args.uploadId, fromBase64(args.data));
  }

  async restoreOpen(args: ParsedVaultArgs<'backupRestoreOpen'>): Promise<VaultResults['backupRestoreOpen']> {
    const session = await this.restores.open({ uploadId: args.uploadId }, args.passphrase);
    return {
      restoreId: session.id,
      summary: session.verified.summary,
      ignoredSettingKeys: [...session.verified.ignoredSettingKeys],
    };
  }

  restoreRead(args: ParsedVaultArgs<'backupRestoreRead'>): Promise<VaultResults['backupRestoreRead']> {
    return this.restores.read(args.restoreId);
  }

  /** Aborts every export (the vault is locking or going away). */
  async abortAll(): Promise<void> {
    const sessions = [...this.#exports.values()];
    this.#exports.clear();
    await Promise.all(sessions.map((session) => session.abort()));
  }

  #export(exportId: string): ExportSink {
    const session = this.#exports.get(exportId);
    if (session === undefined) throw invalidArgumentError('no such backup export');
    return session;
  }
}
