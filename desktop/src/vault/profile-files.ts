/**
 * The profile folder and its files: the folder is 0700 and every file in it
 * 0600, so other local users cannot even read the (encrypted) state. Small
 * files that must never be seen half-written (the key file) are replaced
 * atomically with crypto-core's writeFileAtomicSync (temporary file, fsync,
 * rename, fsync of the folder).
 */
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const PROFILE_DIR_MODE = 0o700;
export const PROFILE_FILE_MODE = 0o600;

/** File names inside a profile folder. */
export const PROFILE_FILES = {
  keyFile: 'vault-key.json',
  database: 'vault.sqlite',
} as const;

/** Creates the profile folder if needed and (re)sets it to 0700; refuses a symlink or a file. */
export function ensureProfileDir(profileDir: string): void {
  mkdirSync(profileDir, { recursive: true, mode: PROFILE_DIR_MODE });
  const stat = lstatSync(profileDir);
  if (!stat.isDirectory()) throw new Error(`profile path is not a folder: ${profileDir}`);
  // mkdir's mode is filtered by the umask, and an existing folder keeps its own.
  if ((stat.mode & 0o777) !== PROFILE_DIR_MODE) chmodSync(profileDir, PROFILE_DIR_MODE);
}

/** Creates `path` empty with mode 0600 if it does not exist, and forces 0600 if it does. */
export function ensurePrivateFile(path: string): void {
  const fd = openSync(path, 'a', PROFILE_FILE_MODE);
  closeSync(fd);
  chmodSync(path, PROFILE_FILE_MODE);
}

/** Removes database files left by a create that crashed before its key file was written. */
export function removeFiles(dir: string, names: readonly string[]): void {
  for (const name of names) rmSync(join(dir, name), { force: true });
}
