/**
 * Thin Node-only helpers to read a backup file as a stream and to write one
 * atomically. Everything else in backup/ is portable; this module is kept
 * apart (see portable.ts) so a browser entry can leave it out.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DEFAULT_BACKUP_CHUNK_SIZE } from './header.js';

/** The file as an AsyncIterable of 64 KiB slices, for decryptBackup / verifyBackup. */
export function readBackupFile(path: string): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark: DEFAULT_BACKUP_CHUNK_SIZE });
}

/**
 * Writes `encrypted` (e.g. encryptBackup(...)) to `path` atomically: into a
 * temporary file next to it (mode 0600), fsync'd, then renamed over `path`.
 * A failure anywhere (including inside the encrypting generator) leaves no
 * partial file behind and any previous file at `path` untouched.
 */
export async function writeBackupFile(
  path: string,
  encrypted: AsyncIterable<Uint8Array>,
): Promise<{ bytesWritten: number }> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  const file = await open(temporary, 'wx', 0o600);
  let bytesWritten = 0;
  try {
    try {
      for await (const piece of encrypted) {
        let offset = 0;
        while (offset < piece.byteLength) {
          const { bytesWritten: written } = await file.write(piece, offset, piece.byteLength - offset);
          offset += written;
        }
        bytesWritten += piece.byteLength;
      }
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {
      // Already gone or never fully created; the original error is what matters.
    });
    throw error;
  }
  return { bytesWritten };
}
