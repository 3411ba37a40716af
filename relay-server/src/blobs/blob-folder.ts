/**
 * Attachment blobs on disk (docs/relay.md, Attachments): one folder (the
 * data folder's `blobs/` by default, --blob-dir), three files per blob, named
 * by its random id:
 *
 *   <id>.json   what the relay must know: owner, declared length, times
 *               (written whole with writeFileAtomic; never the content type,
 *               a file name or anything from the upload's metadata)
 *   <id>.part   the upload while it is in progress: bytes appended at the
 *               offset, fsynced before each PATCH is answered, so its size
 *               is the offset a client resumes from, after a restart too
 *   <id>.blob   the finished blob: the .part, fsynced, renamed (and the
 *               folder fsynced) once its last byte arrived
 *
 * All state is in the folder, so nodes sharing it (scale-out) share the
 * blobs. Nothing here logs; callers log sizes only.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory, writeFileAtomic } from '@parley/crypto-core/node';
import { BLOB_ID_BYTES, BLOB_ID_PATTERN, type BlobId } from '@parley/crypto-core/wire';
import { RelayErrorCode, RelayServerError } from '../errors.js';

/** What the relay keeps about a blob besides its bytes. */
export interface BlobRecord {
  readonly owner: string;
  /** Bytes the upload declared (Upload-Length). */
  readonly length: number;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface BlobState extends BlobRecord {
  /** Bytes stored so far (== length once finished). */
  readonly offset: number;
  readonly finished: boolean;
}

/** How long a data file without its record may stay (a creation in progress, maybe on another node). */
const ORPHAN_GRACE_MS = 10 * 60_000;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

function isBlobRecord(value: unknown): value is BlobRecord {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.owner === 'string' &&
    Number.isSafeInteger(record.length) &&
    Number.isSafeInteger(record.createdAt) &&
    Number.isSafeInteger(record.expiresAt)
  );
}

export class BlobFolder {
  /** One writer per blob in this process: PATCHes of one upload run one after another. */
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  #path(id: BlobId, kind: 'json' | 'part' | 'blob'): string {
    return join(this.dir, `${id}.${kind}`);
  }

  /** Runs `work` once every earlier call for `id` in this process has finished. */
  async exclusive<T>(id: BlobId, work: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(id) ?? Promise.resolve();
    const run = before.then(work, work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.#locks.set(id, settled);
    try {
      return await run;
    } finally {
      if (this.#locks.get(id) === settled) this.#locks.delete(id);
    }
  }

  /** Creates an empty upload for `owner` and returns its new random id. */
  async create(owner: string, length: number, now: number, expiresAt: number): Promise<BlobId> {
    const id = randomBytes(BLOB_ID_BYTES).toString('base64url');
    // The data file first: a crash before the record leaves an orphan the sweep removes.
    const handle = await open(this.#path(id, 'part'), 'wx', 0o600);
    await handle.close();
    await this.#writeRecord(id, { owner, length, createdAt: now, expiresAt });
    return id;
  }

  async #writeRecord(id: BlobId, record: BlobRecord): Promise<void> {
    await writeFileAtomic(this.#path(id, 'json'), `${JSON.stringify(record)}\n`, { mode: 0o600 });
  }

  async #readRecord(id: BlobId): Promise<BlobRecord | null> {
    let text: string;
    try {
      text = await readFile(this.#path(id, 'json'), 'utf8');
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    const parsed: unknown = JSON.parse(text);
    if (!isBlobRecord(parsed)) throw new Error('a blob record in the blob folder is malformed');
    return parsed;
  }

  async #sizeOf(path: string): Promise<number | null> {
    try {
      return (await stat(path)).size;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  /** The blob's state, or null when there is none (never was, deleted, or expired at `now`). */
  async state(id: BlobId, now: number): Promise<BlobState | null> {
    if (!BLOB_ID_PATTERN.test(id)) return null;
    const record = await this.#readRecord(id);
    if (record === null || record.expiresAt <= now) return null;
    const finished = await this.#sizeOf(this.#path(id, 'blob'));
    if (finished !== null) return { ...record, offset: finished, finished: true };
    const part = await this.#sizeOf(this.#path(id, 'part'));
    if (part === null) return null;
    return { ...record, offset: part, finished: false };
  }

  /**
   * Appends `body` at `offset` to an unfinished upload; stops with
   * PAYLOAD_TOO_LARGE at the declared length. Whatever arrived before the
   * body ended or failed is kept and fsynced, so a client resumes from it.
   * Finishes the blob (expiring at `finishedExpiresAt`) when it is full.
   * Returns the new offset. Call inside exclusive(id).
   */
  async append(
    id: BlobId,
    state: BlobState,
    body: AsyncIterable<Uint8Array>,
    finishedExpiresAt: number,
  ): Promise<number> {
    const handle = await open(this.#path(id, 'part'), 'r+');
    let offset = state.offset;
    let failure: unknown;
    try {
      for await (const chunk of body) {
        if (offset + chunk.byteLength > state.length) {
          // Keep what fits, refuse the rest.
          const fits = state.length - offset;
          if (fits > 0) await writeAll(handle, chunk.subarray(0, fits), offset);
          offset += fits;
          throw new RelayServerError(
            RelayErrorCode.PayloadTooLarge,
            'the PATCH body goes past the upload length it declared',
          );
        }
        await writeAll(handle, chunk, offset);
        offset += chunk.byteLength;
      }
    } catch (error) {
      failure = error;
    } finally {
      await handle.sync();
      await handle.close();
    }
    if (offset === state.length) await this.#finish(id, { ...state, expiresAt: finishedExpiresAt });
    if (failure !== undefined) throw failure;
    return offset;
  }

  async #finish(id: BlobId, record: BlobRecord): Promise<void> {
    await this.#writeRecord(id, {
      owner: record.owner,
      length: record.length,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
    });
    await rename(this.#path(id, 'part'), this.#path(id, 'blob'));
    await fsyncDirectory(this.dir);
  }

  /** Opens a finished blob for reading; null when it is missing, unfinished or expired. */
  async openFinished(id: BlobId, now: number): Promise<{ handle: FileHandle; length: number } | null> {
    const state = await this.state(id, now);
    if (state === null || !state.finished) return null;
    try {
      // An open handle keeps the bytes readable even if the sweep removes the name meanwhile.
      return { handle: await open(this.#path(id, 'blob'), 'r'), length: state.offset };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  /** Removes every file of the blob: the data first, the record last. */
  async remove(id: BlobId): Promise<void> {
    await rm(this.#path(id, 'blob'), { force: true });
    await rm(this.#path(id, 'part'), { force: true });
    await rm(this.#path(id, 'json'), { force: true });
  }

  /**
   * Removes blobs expired at `now`, those of `owner` when given, and data
   * files whose record is missing after a grace period. Returns how many
   * blobs went and their bytes.
   */
  async sweep(now: number, owner?: string): Promise<{ blobs: number; bytes: number }> {
    let blobs = 0;
    let bytes = 0;
    const names = await readdir(this.dir);
    const ids = new Set(names.filter((name) => name.endsWith('.json')).map((name) => name.slice(0, -5)));
    for (const id of ids) {
      if (!BLOB_ID_PATTERN.test(id)) continue;
      const record = await this.#readRecord(id).catch(() => null);
      if (record === null) continue;
      if (record.expiresAt > now && record.owner !== owner) continue;
      await this.exclusive(id, () => this.remove(id));
      blobs++;
      bytes += record.length;
    }
    for (const name of names) {
      const match = /^([A-Za-z0-9_-]{43})\.(part|blob)$/.exec(name);
      if (match === null || ids.has(match[1] as string)) continue;
      const modified = await stat(join(this.dir, name)).then(
        (info) => info.mtimeMs,
        () => now,
      );
      if (now - modified > ORPHAN_GRACE_MS) await rm(join(this.dir, name), { force: true });
    }
    return { blobs, bytes };
  }
}

async function writeAll(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let written = 0;
  while (written < data.byteLength) {
    const { bytesWritten } = await handle.write(data, written, data.byteLength - written, position + written);
    written += bytesWritten;
  }
}
