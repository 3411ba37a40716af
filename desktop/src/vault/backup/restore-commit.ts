/**
 * All-or-nothing across crashes. A restore writes `restore-pending` into the
 * profile before its key file, and removes it only once the history is
 * imported (backupRestoreFinish 'imported'). A vault that finds the marker
 * when it starts knows a restore died half-way (the page closed, the process
 * was killed) and removes what it had created, so the profile is fresh again
 * rather than holding an identity without its history.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '@parley/crypto-core/node';
import { PROFILE_FILE_MODE, PROFILE_FILES, removeFiles } from '../profile-files.js';
import { STAGED_RESTORE_FILE } from './staged-restore.js';

export const RESTORE_PENDING_FILE = 'restore-pending';
const UPLOAD_FILE = /^\.backup-upload-[0-9a-f-]+\.partial$/;

export function markRestorePending(profileDir: string): void {
  writeFileAtomicSync(join(profileDir, RESTORE_PENDING_FILE), 'a backup restore is in progress\n', {
    mode: PROFILE_FILE_MODE,
  });
}

export function clearRestorePending(profileDir: string): void {
  removeFiles(profileDir, [RESTORE_PENDING_FILE]);
}

/** Key file first (the identity ends there), then the database and the staged history, then the marker. */
export function removeRestoredIdentity(profileDir: string): void {
  removeFiles(profileDir, [PROFILE_FILES.keyFile]);
  removeFiles(profileDir, [
    PROFILE_FILES.database,
    `${PROFILE_FILES.database}-wal`,
    `${PROFILE_FILES.database}-shm`,
    STAGED_RESTORE_FILE,
  ]);
  clearRestorePending(profileDir);
}

/** At vault start: undo a restore that never finished, and drop uploads of earlier processes. */
export function discardInterruptedRestore(profileDir: string): void {
  if (existsSync(join(profileDir, RESTORE_PENDING_FILE))) removeRestoredIdentity(profileDir);
  removeFiles(
    profileDir,
    readdirSync(profileDir).filter((name) => UPLOAD_FILE.test(name)),
  );
}
