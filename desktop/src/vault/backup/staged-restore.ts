/**
 * A restore the CLI prepared: the vault identity is already restored into
 * the profile, and the history waits in `restore-staged.parleybackup` inside
 * the profile folder for the engine, which imports it on its first start
 * (only the renderer can write its IndexedDB). The staged file is the same
 * container and record stream, without the key section, sealed under a key
 * derived from the profile's data key (HKDF-SHA256, the header's salt), not
 * from a passphrase: the Argon2id parameters in its header are unused.
 */
import { hkdfSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ARGON2ID_INTERACTIVE,
  type BackupKey,
  type BackupRecord,
  BackupTally,
  backupKeyFromArgon2id,
  encodeBackupRecord,
  encryptBackupWithKey,
  generateSalt,
  writeBackupFile,
} from '@parley/crypto-core';
import { backupRecords, type OpenedBackup, readBackupFileHeader } from './backup-reading.js';
import type { RestoreSession } from './backup-restore.js';

export const STAGED_RESTORE_FILE = 'restore-staged.parleybackup';
const STAGING_INFO = 'parley-staged-restore-v1';

export function stagedRestorePath(profileDir: string): string {
  return join(profileDir, STAGED_RESTORE_FILE);
}

async function stagingKey(dataKey: Uint8Array, salt: Uint8Array): Promise<BackupKey> {
  const root = new Uint8Array(hkdfSync('sha256', dataKey, salt, STAGING_INFO, 32));
  return backupKeyFromArgon2id(root, { kdf: ARGON2ID_INTERACTIVE, salt });
}

/** The verified backup's history, re-sealed for the engine; the key section is left out. */
export async function writeStagedRestore(
  profileDir: string,
  session: RestoreSession,
  dataKey: Uint8Array,
): Promise<void> {
  const key = await stagingKey(dataKey, await generateSalt());
  const tally = new BackupTally();
  async function* lines(): AsyncGenerator<Uint8Array> {
    for await (const record of backupRecords(session.path, session.opened.key)) {
      if (record.type === 'identity' || record.type === 'trusted-identity' || record.type === 'end') continue;
      const staged: BackupRecord = record.type === 'backup' ? { ...record, includesIdentity: false } : record;
      tally.add(staged);
      yield encodeBackupRecord(staged);
    }
    yield encodeBackupRecord(tally.endRecord());
  }
  await writeBackupFile(stagedRestorePath(profileDir), encryptBackupWithKey(lines(), key));
}

/** The staged file's path and key, or null when nothing is staged. */
export async function openStagedRestore(
  profileDir: string,
  dataKey: Uint8Array,
): Promise<{ path: string; opened: OpenedBackup } | null> {
  const path = stagedRestorePath(profileDir);
  if (!existsSync(path)) return null;
  const header = await readBackupFileHeader(path);
  return { path, opened: { header, key: await stagingKey(dataKey, header.salt) } };
}
