/**
 * A backup that is not exactly what was written restores nothing: a wrong
 * passphrase, a file cut at several points, a flipped bit, a dropped or
 * appended chunk, a failure after the identity was restored, and a kill -9
 * during export. After each, the fresh profile has no identity and no engine
 * database.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateBackupPassphrase, readBackupFile, verifyBackup } from '@parley/crypto-core';
import { IDBKeyRange } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVaultClient, VaultCallError } from '../../src/common/invoke.js';
import { restoreBackup, uploadBackup } from '../../src/renderer/engine/backup/backup-restore.js';
import { Vault } from '../../src/vault/index.js';
import { directId, introduce } from '../support/conversation-helpers.js';
import { TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { MemoryKeychain } from '../vault/support/memory-keychain.js';
import { backupFrames, withFlippedBit, withoutRange } from './support/backup-frames.js';
import { addMessages } from './support/history-fixture.js';

const home = mkdtempSync(join(tmpdir(), 'parley-backup-home-'));
process.env.HOME = home;
const here = dirname(fileURLToPath(import.meta.url));
const desktopDir = join(here, '..', '..');

/** Restores `file` into a fresh profile; answers the error code and proves nothing stayed. */
async function failedRestore(file: Uint8Array, passphrase: string): Promise<string> {
  const target = TestClient.offline('target');
  try {
    const vault = createVaultClient(target.transport);
    let code = 'NONE';
    try {
      const uploadId = await uploadBackup(vault, new Blob([file.slice()]));
      await restoreBackup(vault, uploadId, { passphrase, indexedDB: target.indexedDB, IDBKeyRange });
    } catch (error) {
      code = error instanceof VaultCallError ? error.code : String(error);
    }
    expect((await target.vault.getStatus({})).state).toBe('no-identity');
    expect(await target.indexedDB.databases()).toEqual([]);
    return code;
  } finally {
    await target.dispose();
  }
}

describe('backups that must not restore', () => {
  let relay: RelayProcess;
  let alice: TestClient;
  let file: Uint8Array;
  const passphrase = generateBackupPassphrase();

  beforeAll(async () => {
    relay = await startRelay();
    alice = await TestClient.create('alice', relay.url);
    const bob = await TestClient.create('bob', relay.url);
    await introduce(alice, bob, 'Bob');
    await bob.dispose();
    await addMessages(
      alice.engine.database,
      alice.accountId,
      { conversationId: directId(bob), peer: bob.accountId, count: 3000 },
      Date.UTC(2025, 5, 1),
    );
    const exported = await alice.engine.exportBackup({ passphrase, includeIdentity: true });
    file = new Uint8Array(readFileSync(exported.path));
    expect(backupFrames(file).length).toBeGreaterThan(5);
  });

  afterAll(async () => {
    await alice?.dispose();
    await relay?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('restores the intact file (the control case)', async () => {
    const target = TestClient.offline('control');
    try {
      const vault = createVaultClient(target.transport);
      const result = await restoreBackup(vault, await uploadBackup(vault, new Blob([file.slice()])), {
        passphrase,
        indexedDB: target.indexedDB,
        IDBKeyRange,
      });
      expect(result.summary.counts.messages).toBe(3000);
    } finally {
      await target.dispose();
    }
  });

  it('refuses a wrong passphrase', async () => {
    expect(await failedRestore(file, generateBackupPassphrase())).toBe('BAD_PASSPHRASE');
  });

  it('refuses a file cut inside the header, a frame length, a chunk, the last chunk, or before it', async () => {
    const frames = backupFrames(file);
    const last = frames.at(-1) ?? expect.fail();
    const middle = frames[Math.floor(frames.length / 2)] ?? expect.fail();
    const cuts = [60, 128, middle.start + 500, last.end - 1, last.start];
    for (const cut of cuts) {
      expect(await failedRestore(file.subarray(0, cut), passphrase), `cut at ${cut}`).toBe('CORRUPT_BACKUP');
    }
  });

  it('refuses a flipped bit in the header or in a chunk', async () => {
    const middle = backupFrames(file)[2] ?? expect.fail();
    expect(await failedRestore(withFlippedBit(file, 40), passphrase)).toBe('CORRUPT_BACKUP');
    expect(await failedRestore(withFlippedBit(file, middle.start + 100), passphrase)).toBe('CORRUPT_BACKUP');
  });

  it('refuses a dropped chunk and a repeated one', async () => {
    const frames = backupFrames(file);
    const second = frames[1] ?? expect.fail();
    expect(await failedRestore(withoutRange(file, second.start, second.end), passphrase)).toBe('CORRUPT_BACKUP');
    const repeated = new Uint8Array([...file.subarray(0, second.end), ...file.subarray(second.start)]);
    expect(await failedRestore(repeated, passphrase)).toBe('CORRUPT_BACKUP');
  });

  it('removes the restored identity when the import fails after it', async () => {
    const target = TestClient.offline('import-fails');
    try {
      const vault = createVaultClient(target.transport);
      const uploadId = await uploadBackup(vault, new Blob([file.slice()]));
      await expect(
        restoreBackup(vault, uploadId, {
          passphrase,
          indexedDB: target.indexedDB,
          IDBKeyRange,
          databaseName: () => {
            throw new Error('the disk is full');
          },
        }),
      ).rejects.toThrow('the disk is full');
      expect((await target.vault.getStatus({})).state).toBe('no-identity');
      expect(await target.indexedDB.databases()).toEqual([]);
    } finally {
      await target.dispose();
    }
  });

  it('undoes a restore that died after the identity was written, when the vault next starts', async () => {
    const profileDir = mkdtempSync(join(tmpdir(), 'parley-interrupted-restore-'));
    try {
      const first = new Vault({ profileDir, keyProtection: 'os-keychain', keychain: new MemoryKeychain() });
      const { uploadId } = await first.backupUpload({ data: Buffer.from(file).toString('base64') });
      const { restoreId } = await first.backupRestoreOpen({ uploadId, passphrase });
      await first.backupRestoreIdentity({ restoreId });
      expect((await first.getStatus({})).state).toBe('unlocked');
      // The page (and the import) die here; the host process stops.
      await first.lock({});
      const second = new Vault({ profileDir, keyProtection: 'os-keychain', keychain: new MemoryKeychain() });
      expect((await second.getStatus({})).state).toBe('no-identity');
      expect(readdirSync(profileDir).filter((name) => !name.startsWith('.'))).toEqual([]);
    } finally {
      rmSync(profileDir, { recursive: true, force: true });
    }
  });

  it('leaves no file that looks like a backup when the export is killed with SIGKILL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-killed-export-'));
    try {
      await new Promise<void>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--conditions=source', '--import', 'tsx', join(here, 'support', 'export-child.ts'), dir, passphrase],
          { cwd: desktopDir, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        const safety = setTimeout(() => child.kill('SIGKILL'), 60_000);
        let stdout = '';
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          // Several batches in: chunks are on disk, the final one is not.
          if ((stdout.match(/writing/g) ?? []).length === 20) child.kill('SIGKILL');
        });
        child.on('exit', (_code, signal) => {
          clearTimeout(safety);
          if (signal === 'SIGKILL' && stdout.includes('writing')) resolve();
          else reject(new Error(`the export child ended otherwise (${signal}): ${stderr}`));
        });
      });
      const names = readdirSync(dir);
      expect(names.filter((name) => name.endsWith('.parleybackup'))).toEqual([]);
      const partial = names.find((name) => name.endsWith('.partial')) ?? expect.fail(`no partial file in ${names}`);
      await expect(
        verifyBackup(readBackupFile(join(dir, partial)), passphrase.replace(/ /g, '')),
      ).rejects.toMatchObject({
        code: 'CORRUPT_BACKUP',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
