/**
 * A backup never replaces a file: two exports started in the same second
 * (same default name) end as two files, both whole, and the second reports
 * the numbered name it got; a file that exists under the name asked for is
 * left as it was; two readable copies in one second get two folders. Through
 * the real vault's calls, as the engine makes them.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARGON2ID_INTERACTIVE, generateBackupPassphrase } from '@parley/crypto-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackupFile, verifyBackupFile } from '../../src/vault/backup/backup-reading.js';
import { Vault } from '../../src/vault/index.js';
import { MemoryKeychain } from '../vault/support/memory-keychain.js';
import { call, removeTemporaryDirs, temporaryProfileDir } from '../vault/support/vault-harness.js';

/** A fixed clock: every default name is the same second's. */
const NOW = Date.UTC(2026, 11, 9, 10, 0, 0);
const DEFAULT_NAME = 'parley-2026-12-09T10-00-00.parleybackup';

let vault: Vault;
let backupDir: string;

beforeAll(async () => {
  const profileDir = temporaryProfileDir();
  backupDir = join(profileDir, '..', 'backups');
  vault = new Vault({
    profileDir,
    keyProtection: 'os-keychain',
    keychain: new MemoryKeychain(),
    backupDir,
    backupKdf: ARGON2ID_INTERACTIVE,
    now: () => NOW,
  });
  await call(vault, 'createIdentity', {});
});

afterAll(async () => {
  await vault?.lock({});
  removeTemporaryDirs();
});

/** One whole export through the vault's calls; answers where it says it saved the file. */
async function exportOnce(passphrase: string, fileName?: string): Promise<string> {
  const { exportId } = await call(vault, 'backupExportBegin', {
    passphrase,
    includeIdentity: true,
    ...(fileName === undefined ? {} : { fileName }),
  });
  await call(vault, 'backupExportWrite', {
    exportId,
    records: [{ type: 'setting', key: 'note', value: 'one setting' }],
  });
  const finished = await call(vault, 'backupExportFinish', { exportId });
  return finished.path;
}

async function verify(path: string, passphrase: string): Promise<number> {
  const verified = await verifyBackupFile(path, await openBackupFile(path, passphrase));
  return verified.summary.counts.settings;
}

describe('backup file names', () => {
  it('gives two exports in the same second two files, each whole, and reports each name', async () => {
    const [first, second] = [generateBackupPassphrase(), generateBackupPassphrase()];
    const paths = await Promise.all([exportOnce(first), exportOnce(second)]);
    expect(new Set(paths).size).toBe(2);
    expect([...paths].sort()).toEqual([
      join(backupDir, 'parley-2026-12-09T10-00-00 (2).parleybackup'),
      join(backupDir, DEFAULT_NAME),
    ]);
    // Each file is the export that reported it: its own passphrase opens it, end to end.
    expect(await verify(paths[0] ?? '', first)).toBe(1);
    expect(await verify(paths[1] ?? '', second)).toBe(1);
    expect(readdirSync(backupDir).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('never replaces a file that has the name asked for', async () => {
    const existing = join(backupDir, 'mine.parleybackup');
    writeFileSync(existing, 'a backup made elsewhere');
    const passphrase = generateBackupPassphrase();
    const saved = await exportOnce(passphrase, 'mine.parleybackup');
    expect(saved).toBe(join(backupDir, 'mine (2).parleybackup'));
    expect(readFileSync(existing, 'utf8')).toBe('a backup made elsewhere');
    expect(await verify(saved, passphrase)).toBe(1);
  });

  it('gives two readable copies in the same second two folders', async () => {
    const folders = await Promise.all(
      [0, 1].map(async () => {
        const { exportId, path } = await call(vault, 'backupReadableBegin', {});
        const finished = await call(vault, 'backupExportFinish', { exportId });
        expect(finished.path).toBe(path);
        return path;
      }),
    );
    expect([...folders].sort()).toEqual([
      join(backupDir, 'parley-readable-2026-12-09T10-00-00'),
      join(backupDir, 'parley-readable-2026-12-09T10-00-00 (2)'),
    ]);
    for (const folder of folders)
      expect(readdirSync(folder).sort()).toEqual(['backup.json', 'conversations', 'index.html']);
  });
});
