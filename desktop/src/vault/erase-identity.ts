/**
 * Erasing the profile's identity (eraseIdentity, "Delete account"): all or
 * nothing across crashes. The key file is the identity's commit point — a
 * profile without it has no identity (createIdentity clears whatever else it
 * finds) — so the erase first renames it away in one atomic step and makes
 * the rename durable. Until then a crash leaves the old profile whole; from
 * then on the profile is empty, and what remains (the renamed key file, the
 * sealed database, a staged restore) is removed now or, after a crash, when
 * the next vault opens the folder. The renamed key file goes last and is
 * overwritten with zeros before it is unlinked, so its presence means "erase
 * unfinished".
 */
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDirectorySync } from '@parley/crypto-core/node';
import { discardInterruptedRestore, RESTORE_PENDING_FILE } from './backup/restore-commit.js';
import { STAGED_RESTORE_FILE } from './backup/staged-restore.js';
import { PROFILE_FILES, removeFiles } from './profile-files.js';

/** The key file while an erase is under way. */
export const ERASING_KEY_FILE = '.vault-key.erasing';

/** Erases the identity in `profileDir` (its vault must be closed). Throws ENOENT when there is no key file. */
export function eraseProfileFiles(profileDir: string): void {
  renameSync(join(profileDir, PROFILE_FILES.keyFile), join(profileDir, ERASING_KEY_FILE));
  // The commit point: once this rename is on disk, the identity is gone.
  fsyncDirectorySync(profileDir);
  finishErase(profileDir);
}

/** At vault start: completes an erase a crash interrupted. */
export function finishInterruptedErase(profileDir: string): void {
  if (existsSync(join(profileDir, ERASING_KEY_FILE))) finishErase(profileDir);
}

function finishErase(profileDir: string): void {
  removeFiles(profileDir, [
    PROFILE_FILES.database,
    `${PROFILE_FILES.database}-wal`,
    `${PROFILE_FILES.database}-shm`,
    STAGED_RESTORE_FILE,
    RESTORE_PENDING_FILE,
  ]);
  // Backup uploads in progress (encrypted backup files the page sent) go too.
  discardInterruptedRestore(profileDir);
  overwriteWithZeros(join(profileDir, ERASING_KEY_FILE));
  removeFiles(profileDir, [ERASING_KEY_FILE]);
  fsyncDirectorySync(profileDir);
}

/** The wrapped vault key should not linger in the freed blocks (best effort: SSDs remap writes). */
function overwriteWithZeros(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    const zeros = new Uint8Array(size);
    let written = 0;
    while (written < size) written += writeSync(fd, zeros, written, size - written, written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
