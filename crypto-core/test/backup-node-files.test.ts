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
  readBackupFile,
  writeBackupFile,
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
});
