/**
 * The profile folder and its files: the folder is 0700 and every file in it
 * 0600, so other local users cannot even read the (encrypted) state. Small
 * files that must never be seen half-written (the key file) are replaced
 * atomically: temporary file, fsync, rename, fsync of the folder.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
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

/** Makes a rename or a new file in `dir` durable (the folder entry itself). */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `name` in `dir` with `data` so that a crash at any moment leaves
 * either the old file or the new one, never a mix or a torn write.
 */
export function writeFileAtomically(dir: string, name: string, data: Uint8Array): void {
  const target = join(dir, name);
  const temporary = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temporary, 'wx', PROFILE_FILE_MODE);
  try {
    let written = 0;
    while (written < data.byteLength) written += writeSync(fd, data, written);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temporary, target);
  // The rename itself must reach the disk, or a power loss could undo it.
  fsyncDir(dir);
}

/** Removes database files left by a create that crashed before its key file was written. */
export function removeFiles(dir: string, names: readonly string[]): void {
  for (const name of names) rmSync(join(dir, name), { force: true });
}
