/**
 * The one way Parley replaces a secret or state file on disk (Node only):
 * write a temporary file in the same folder, fsync it, rename it over the
 * target, fsync the folder. A crash at any moment leaves the old file or the
 * new one, never a torn mix, and once the call returns the new name survives
 * a power loss (the folder fsync makes the rename itself durable). The
 * temporary file is created exclusively with the requested mode, so a secret
 * is never readable by others, not even for the moment before the rename.
 *
 * A sync and an async form of the same steps: the vault and Electron's main
 * process write synchronously, the relay and backup exports asynchronously.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Default mode of files written here: owner read/write only (every caller so far stores secrets or state). */
export const PRIVATE_FILE_MODE = 0o600;

export interface AtomicWriteOptions {
  /** Permission bits of the new file (default 0600); applied at creation, before any byte is written. */
  readonly mode?: number;
}

/** Contents to write: text is written as UTF-8. */
export type FileContents = string | Uint8Array;

/**
 * The name of a temporary file beside `path`: hidden, random, and ending in
 * `suffix` so no reader takes it for the real file.
 */
export function temporaryPathBeside(path: string, suffix = '.tmp'): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}${suffix}`);
}

function asBytes(contents: FileContents): Uint8Array {
  return typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
}

/** Makes the entries of `dir` (a new name, a rename, a removal) durable. */
export function fsyncDirectorySync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Async form of fsyncDirectorySync. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `path` with `contents` atomically and durably (see the module comment). */
export function writeFileAtomicSync(path: string, contents: FileContents, options: AtomicWriteOptions = {}): void {
  const data = asBytes(contents);
  const temporary = temporaryPathBeside(path);
  const fd = openSync(temporary, 'wx', options.mode ?? PRIVATE_FILE_MODE);
  try {
    try {
      let written = 0;
      while (written < data.byteLength) written += writeSync(fd, data, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  // The rename must reach the disk too, or a power loss could undo it.
  fsyncDirectorySync(dirname(path));
}

/** Writes every piece to `handle`, looping over short writes. */
async function writeAll(handle: FileHandle, contents: FileContents | AsyncIterable<Uint8Array>): Promise<number> {
  const pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array> =
    typeof contents === 'string' || contents instanceof Uint8Array ? [asBytes(contents)] : contents;
  let total = 0;
  for await (const piece of pieces) {
    let offset = 0;
    while (offset < piece.byteLength) {
      const { bytesWritten } = await handle.write(piece, offset, piece.byteLength - offset);
      offset += bytesWritten;
    }
    total += piece.byteLength;
  }
  return total;
}

/**
 * Writes `contents` (bytes, text, or a stream of pieces such as an encrypting
 * generator) into a new fsync'd temporary file beside `path`, created
 * exclusively with `options.mode`. On any failure, including one thrown by
 * the stream, the temporary file is removed and the error rethrown. The
 * caller gives it its final name (a rename, or a link for files that must
 * never replace another).
 */
export async function writeTemporaryFile(
  path: string,
  contents: FileContents | AsyncIterable<Uint8Array>,
  options: AtomicWriteOptions & { readonly suffix?: string } = {},
): Promise<{ readonly temporary: string; readonly bytesWritten: number }> {
  const temporary = temporaryPathBeside(path, options.suffix);
  const handle = await open(temporary, 'wx', options.mode ?? PRIVATE_FILE_MODE);
  try {
    let bytesWritten: number;
    try {
      bytesWritten = await writeAll(handle, contents);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { temporary, bytesWritten };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Async form of writeFileAtomicSync; also takes a stream of pieces. Returns the bytes written. */
export async function writeFileAtomic(
  path: string,
  contents: FileContents | AsyncIterable<Uint8Array>,
  options: AtomicWriteOptions & { readonly suffix?: string } = {},
): Promise<{ readonly bytesWritten: number }> {
  const { temporary, bytesWritten } = await writeTemporaryFile(path, contents, options);
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await fsyncDirectory(dirname(path));
  return { bytesWritten };
}
