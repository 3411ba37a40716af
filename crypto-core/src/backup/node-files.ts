/**
 * Thin Node-only helpers to read a backup file as a stream and to write one
 * atomically. Everything else in backup/ is portable; this module is kept
 * apart (see portable.ts) so a browser entry can leave it out.
 */
import { constants, createReadStream } from 'node:fs';
import { copyFile, link, open, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { writeFileAtomic, writeTemporaryFile } from '../node/atomic-file.js';
import { DEFAULT_BACKUP_CHUNK_SIZE } from './header.js';

/** Temporary backup files end so, which no reader takes for a backup. */
const PARTIAL_SUFFIX = '.partial';

/** The file as an AsyncIterable of 64 KiB slices, for decryptBackup / verifyBackup. */
export function readBackupFile(path: string): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark: DEFAULT_BACKUP_CHUNK_SIZE });
}

async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => {
    // Already gone or never fully created; the original error is what matters.
  });
}

/**
 * Writes `encrypted` (e.g. encryptBackup(...)) to `path` atomically and
 * durably (writeFileAtomic: temporary `.<name>.<random>.partial` file, mode
 * 0600, fsync'd, renamed over `path`, folder fsync'd). A failure anywhere
 * (including inside the encrypting generator) leaves no partial file behind
 * and any previous file at `path` untouched. For files that are meant to be
 * replaced (a staged restore); a user's backup must never replace another:
 * writeNewBackupFile.
 */
export async function writeBackupFile(
  path: string,
  encrypted: AsyncIterable<Uint8Array>,
): Promise<{ bytesWritten: number }> {
  return writeFileAtomic(path, encrypted, { suffix: PARTIAL_SUFFIX });
}

/** How many numbered names ("name (2).ext" ... ) are tried before giving up. */
export const MAX_NUMBERED_NAMES = 1_000;

/**
 * The n-th name for a file: `n` 1 is the name itself, then "name (2).ext",
 * "name (3).ext"... The extension is everything from the last dot of the
 * base name (none for dotfiles and names without a dot).
 */
export function numberedName(fileName: string, n: number): string {
  if (n <= 1) return fileName;
  const extension = extname(fileName);
  return `${fileName.slice(0, fileName.length - extension.length)} (${n})${extension}`;
}

/** Errors with which link(2) says the file system has no hard links (FAT, exFAT, some network shares). */
const NO_HARD_LINKS: ReadonlySet<string> = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** Gives the finished temporary file the name `target`, failing with EEXIST when that name is taken. */
async function claimName(temporary: string, target: string, linkFile: typeof link): Promise<void> {
  try {
    await linkFile(temporary, target);
    return;
  } catch (error) {
    if (!NO_HARD_LINKS.has(errorCode(error) ?? '')) throw error;
  }
  // No hard links here: an exclusive copy (COPYFILE_EXCL also fails with EEXIST), made durable itself.
  await copyFile(temporary, target, constants.COPYFILE_EXCL);
  try {
    const copy = await open(target, 'r+');
    try {
      await copy.sync();
    } finally {
      await copy.close();
    }
  } catch (error) {
    await removeQuietly(target);
    throw error;
  }
}

export interface NewBackupFileOptions {
  /** link(2); tests stand in a file system without hard links. */
  readonly link?: typeof link;
}

/**
 * Writes `encrypted` to a new file named `path`, or, when that name is
 * taken, "name (2).ext", "name (3).ext"...: a backup never replaces a file,
 * not even one created a moment ago by a concurrent export. The fsync'd
 * temporary file is hard-linked to the name (link(2) creates the name
 * exclusively: it fails with EEXIST when the name exists), then the
 * temporary name is removed; where the file system has no hard links, an
 * exclusive copy takes the link's place. Returns the path the backup got.
 * The caller fsyncs the folder to make the new name durable.
 */
export async function writeNewBackupFile(
  path: string,
  encrypted: AsyncIterable<Uint8Array>,
  options: NewBackupFileOptions = {},
): Promise<{ bytesWritten: number; path: string }> {
  const { temporary, bytesWritten } = await writeTemporaryFile(path, encrypted, { suffix: PARTIAL_SUFFIX });
  const folder = dirname(path);
  const fileName = basename(path);
  try {
    for (let n = 1; n <= MAX_NUMBERED_NAMES; n++) {
      const target = join(folder, numberedName(fileName, n));
      try {
        await claimName(temporary, target, options.link ?? link);
      } catch (error) {
        if (errorCode(error) === 'EEXIST') continue;
        throw error;
      }
      return { bytesWritten, path: target };
    }
    throw Object.assign(new Error(`${MAX_NUMBERED_NAMES} files named like ${fileName} exist already`), {
      code: 'EEXIST',
    });
  } finally {
    await removeQuietly(temporary);
  }
}
