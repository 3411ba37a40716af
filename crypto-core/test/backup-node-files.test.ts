import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARGON2ID_INTERACTIVE } from '../src/at-rest/index.js';
import {
  type BackupKey,
  createBackupKey,
  decryptBackupWithKey,
  encryptBackupWithKey,
  numberedName,
  readBackupFile,
  writeBackupFile,
  writeNewBackupFile,
} from '../src/backup/index.js';
import { concatBytes, equalBytes } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';

let dir: string;
let key: BackupKey;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-backup-'));
  key = await createBackupKey('file test', { kdf: ARGON2ID_INTERACTIVE });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const piece of source) pieces.push(piece);
  return concatBytes(...pieces);
}

describe('Node file helpers', () => {
  it('write a backup file atomically (mode 0600) and stream it back', async () => {
    const plaintext = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 13) & 0xff);
    const path = join(dir, 'export.parley-backup');
    const { bytesWritten } = await writeBackupFile(path, encryptBackupWithKey([plaintext], key));
    const info = await stat(path);
    expect(info.size).toBe(bytesWritten);
    expect(info.mode & 0o777).toBe(0o600);
    const decrypted = await collect(decryptBackupWithKey(readBackupFile(path), key));
    expect(equalBytes(decrypted, plaintext)).toBe(true);
    expect((await readdir(dir)).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('leave no partial file and keep the previous file when encryption fails midway', async () => {
    const path = join(dir, 'keep.parley-backup');
    await writeFile(path, 'previous backup');
    async function* failingSource(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(200_000);
      throw new Error('disk read failed');
    }
    await expect(writeBackupFile(path, encryptBackupWithKey(failingSource(), key))).rejects.toThrow('disk read failed');
    expect(await readFile(path, 'utf8')).toBe('previous backup');
    expect((await readdir(dir)).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('a truncated file on disk fails with CORRUPT_BACKUP', async () => {
    const path = join(dir, 'cut.parley-backup');
    await writeBackupFile(path, encryptBackupWithKey([new Uint8Array(150_000).fill(1)], key));
    const whole = await readFile(path);
    await writeFile(path, whole.subarray(0, whole.byteLength - 1));
    const error = await collect(decryptBackupWithKey(readBackupFile(path), key)).catch((caught: unknown) => caught);
    expect(ParleyCryptoError.is(error, CryptoErrorCode.CorruptBackup)).toBe(true);
  });

  it('name a backup "name (2).ext", "name (3).ext"... when the name is taken', () => {
    expect(numberedName('parley-2026-12-09T10-00-00.parleybackup', 1)).toBe('parley-2026-12-09T10-00-00.parleybackup');
    expect(numberedName('parley-2026-12-09T10-00-00.parleybackup', 2)).toBe(
      'parley-2026-12-09T10-00-00 (2).parleybackup',
    );
    expect(numberedName('export', 3)).toBe('export (3)');
    expect(numberedName('.hidden', 2)).toBe('.hidden (2)');
  });
});

describe('writeNewBackupFile', () => {
  const plaintext = (seed: number) => Uint8Array.from({ length: 120_000 }, (_, i) => (i * seed) & 0xff);

  async function freshFolder(): Promise<string> {
    return mkdtemp(join(dir, 'new-'));
  }

  it('gives two concurrent exports to one name two files, each readable', async () => {
    const folder = await freshFolder();
    const path = join(folder, 'same-second.parleybackup');
    const written = await Promise.all(
      [3, 7].map((seed) => writeNewBackupFile(path, encryptBackupWithKey([plaintext(seed)], key))),
    );
    const paths = written.map((result) => result.path).sort();
    expect(paths).toEqual([join(folder, 'same-second (2).parleybackup'), path]);
    const contents = await Promise.all(paths.map((file) => collect(decryptBackupWithKey(readBackupFile(file), key))));
    const seeds = contents.map((bytes) =>
      equalBytes(bytes, plaintext(3)) ? 3 : equalBytes(bytes, plaintext(7)) ? 7 : 0,
    );
    expect(seeds.sort()).toEqual([3, 7]);
    expect((await readdir(folder)).sort()).toEqual(['same-second (2).parleybackup', 'same-second.parleybackup']);
  });

  it('never replaces a file that exists, and reports the name it used', async () => {
    const folder = await freshFolder();
    const path = join(folder, 'mine.parleybackup');
    await writeFile(path, 'an older backup');
    await writeFile(join(folder, 'mine (2).parleybackup'), 'another one');
    const result = await writeNewBackupFile(path, encryptBackupWithKey([plaintext(5)], key));
    expect(result.path).toBe(join(folder, 'mine (3).parleybackup'));
    expect(await readFile(path, 'utf8')).toBe('an older backup');
    expect(await readFile(join(folder, 'mine (2).parleybackup'), 'utf8')).toBe('another one');
    expect((await stat(result.path)).mode & 0o777).toBe(0o600);
    expect((await stat(result.path)).size).toBe(result.bytesWritten);
    expect((await readdir(folder)).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('copies exclusively where the file system has no hard links', async () => {
    const folder = await freshFolder();
    const path = join(folder, 'usb-stick.parleybackup');
    await writeFile(path, 'already there');
    const noLinks = async () => {
      throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
    };
    const result = await writeNewBackupFile(path, encryptBackupWithKey([plaintext(9)], key), { link: noLinks });
    expect(result.path).toBe(join(folder, 'usb-stick (2).parleybackup'));
    expect(await readFile(path, 'utf8')).toBe('already there');
    const decrypted = await collect(decryptBackupWithKey(readBackupFile(result.path), key));
    expect(equalBytes(decrypted, plaintext(9))).toBe(true);
    expect((await readdir(folder)).sort()).toEqual(['usb-stick (2).parleybackup', 'usb-stick.parleybackup']);
  });

  it('leaves nothing behind when encryption fails midway', async () => {
    const folder = await freshFolder();
    async function* failingSource(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(200_000);
      throw new Error('disk read failed');
    }
    await expect(
      writeNewBackupFile(join(folder, 'x.parleybackup'), encryptBackupWithKey(failingSource(), key)),
    ).rejects.toThrow('disk read failed');
    expect(await readdir(folder)).toEqual([]);
  });
});
