/**
 * The backup CLI's commands over a backup file (no app, no relay needed):
 * verify, inspect, restore into a fresh web-shell profile, and a readable
 * (HTML + JSON) copy. Every passphrase comes from a prompt without echo or
 * from --passphrase-file.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { BackupHeader, BackupSummary } from '@parley/crypto-core';
import { deriveBackupKeyInWorker } from '../vault/backup/backup-key-worker.js';
import { backupRecords, readBackupFileHeader, verifyBackupFile } from '../vault/backup/backup-reading.js';
import { ReadableExport } from '../vault/backup/readable-export.js';
import { Vault } from '../vault/index.js';
import { CliError, ProgressBar, passphraseFromFile, promptHidden } from './terminal.js';

export interface CommonOptions {
  readonly passphraseFile?: string | undefined;
}

async function backupPassphrase(options: CommonOptions): Promise<string> {
  if (options.passphraseFile !== undefined) return passphraseFromFile(options.passphraseFile);
  return promptHidden('Backup passphrase: ');
}

function day(ms: number | null): string {
  return ms === null ? '–' : new Date(ms).toISOString().slice(0, 10);
}

export function describeHeader(path: string, header: BackupHeader): string[] {
  return [
    `File:            ${path} (${statSync(path).size} bytes)`,
    `Container:       Parley backup, format version ${header.formatVersion}`,
    `Key derivation:  Argon2id v1.3, ${header.kdf.opsLimit} passes, ${header.kdf.memLimit / (1024 * 1024)} MiB`,
    `Chunk size:      ${header.chunkSize} bytes (XChaCha20-Poly1305 secretstream)`,
  ];
}

export function describeSummary(summary: BackupSummary): string[] {
  const { counts } = summary;
  return [
    `Created:         ${new Date(summary.createdAt).toISOString()}`,
    `Records version: ${summary.recordsVersion}`,
    `Identity:        ${summary.includesIdentity ? 'included (contacts see no key change after a restore)' : 'not included'}`,
    `Contacts:        ${counts.contacts} (${counts.trustedIdentities} trusted identity keys)`,
    `Conversations:   ${counts.conversations} (${counts.groups} groups)`,
    `Messages:        ${counts.messages}, from ${day(summary.firstMessageAt)} to ${day(summary.lastMessageAt)}`,
    `Relays:          ${counts.relays}; settings: ${counts.settings}`,
  ];
}

/** Header, key and one full verification pass, with a progress bar. */
async function verified(path: string, options: CommonOptions) {
  const header = await readBackupFileHeader(path);
  const passphrase = await backupPassphrase(options);
  const opened = { header, key: await deriveBackupKeyInWorker(passphrase, header) };
  const bar = new ProgressBar('Verifying', statSync(path).size);
  const result = await verifyBackupFile(path, opened, (bytes) => bar.update(bytes));
  bar.done('every chunk and the end of the stream authenticate');
  return { header, opened, result };
}

export async function verifyCommand(path: string, options: CommonOptions): Promise<string[]> {
  const { result } = await verified(path, options);
  const total = Object.values(result.summary.counts).reduce((sum, count) => sum + count, 0);
  return [`OK: the backup is complete and untampered (${total} records).`];
}

export async function inspectCommand(path: string, options: CommonOptions): Promise<string[]> {
  const header = await readBackupFileHeader(path);
  // The header is readable without the passphrase; counts and dates are inside the encryption.
  process.stdout.write(`${describeHeader(path, header).join('\n')}\n`);
  const { result } = await verified(path, options);
  return describeSummary(result.summary);
}

export interface RestoreOptions extends CommonOptions {
  readonly profile: string;
  readonly vaultPassphraseFile?: string | undefined;
}

/**
 * Restores into a fresh web-shell profile (passphrase-protected vault): the
 * identity goes into the vault now, the history is staged for the engine's
 * first start. All or nothing: any failure removes what was created.
 */
export async function restoreCommand(path: string, options: RestoreOptions): Promise<string[]> {
  const vault = new Vault({ profileDir: options.profile, keyProtection: 'passphrase' });
  if ((await vault.getStatus({})).state !== 'no-identity') {
    throw new CliError(`${options.profile} already holds an identity; restore into an empty profile folder`);
  }
  const passphrase = await backupPassphrase(options);
  const bar = new ProgressBar('Verifying', statSync(path).size);
  const session = await vault.backups.restores.open({ path }, passphrase);
  bar.done('every chunk and the end of the stream authenticate');
  let vaultPassphrase: string;
  if (options.vaultPassphraseFile !== undefined) vaultPassphrase = passphraseFromFile(options.vaultPassphraseFile);
  else {
    vaultPassphrase = await promptHidden('New passphrase for this profile: ');
    if ((await promptHidden('Repeat it: ')) !== vaultPassphrase) {
      await vault.backupRestoreFinish({ restoreId: session.id, outcome: 'failed' });
      throw new CliError("the two passphrases don't match; nothing was restored");
    }
  }
  try {
    const account = await vault.backupRestoreIdentity({ restoreId: session.id, vaultPassphrase });
    await vault.stageRestoredHistory(session.id);
    await vault.backupRestoreFinish({ restoreId: session.id, outcome: 'imported' });
    await vault.lock({});
    return [
      `Restored account ${account.accountId} into ${options.profile}.`,
      ...describeSummary(session.verified.summary),
      'Start Parley on this profile (npm run web-shell -w desktop -- --profile DIR) to finish: the history is imported',
      'and the account registers fresh keys with its relay on the first start.',
    ];
  } catch (error) {
    await vault.backupRestoreFinish({ restoreId: session.id, outcome: 'failed' });
    throw error;
  }
}

export interface ReadableOptions extends CommonOptions {
  readonly out: string;
  readonly conversation?: string | undefined;
}

/**
 * HTML and JSON of the whole backup (or one conversation) into a new (or
 * empty) folder. A folder named with --out is never renamed ("name (2)" is
 * for the app, which picks the name itself) nor written into when it holds
 * anything: that is an error, said before the passphrase is asked for.
 */
export async function exportReadableCommand(path: string, options: ReadableOptions): Promise<string[]> {
  if (existsSync(options.out) && readdirSync(options.out).length > 0) {
    throw new CliError(`${options.out} already exists and is not empty; name a new folder with --out`);
  }
  const header = await readBackupFileHeader(path);
  const passphrase = await backupPassphrase(options);
  const key = await deriveBackupKeyInWorker(passphrase, header);
  const bar = new ProgressBar('Writing', statSync(path).size);
  const readable = ReadableExport.create(options.out, options.conversation ?? null);
  try {
    for await (const record of backupRecords(path, key, (bytes) => bar.update(bytes))) {
      if (record.type === 'identity' || record.type === 'backup' || record.type === 'end') continue;
      if (record.type === 'trusted-identity') continue;
      readable.add(record);
    }
    const done = readable.finish();
    if (options.conversation !== undefined && done.conversations === 0) {
      readable.abort();
      throw new CliError(
        `the backup holds no conversation ${options.conversation}; inspect shows what it holds, backup.json of a full copy the ids`,
      );
    }
    bar.done(`${done.messages} messages in ${done.conversations} conversations`);
    return [`Wrote ${done.folder}/index.html and ${done.folder}/backup.json`];
  } catch (error) {
    readable.abort();
    throw error;
  }
}
