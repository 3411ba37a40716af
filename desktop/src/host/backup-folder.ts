/**
 * Where a profile's backups are written. A profile folder the user named
 * (the web shell's `--profile DIR`, Electron's `--parley-profile=DIR`) keeps
 * its backups inside itself, in DIR/backups, so two profiles on one machine
 * (npm start's, a test's, a second account's) never write into one folder.
 * Without a named profile (Electron's own userData), undefined: the vault's
 * default, ~/Parley Backups.
 */
import { join } from 'node:path';

export const PROFILE_BACKUP_FOLDER = 'backups';

export function profileBackupDir(profileDir: string | null): string | undefined {
  return profileDir === null ? undefined : join(profileDir, PROFILE_BACKUP_FOLDER);
}
