/**
 * `npm run backup -- …` as a user runs it (a child process, passphrases from
 * files): verify, inspect (nothing secret printed), a damaged file refused,
 * restore into a fresh web-shell profile whose first start imports the
 * history, registers afresh and talks with a contact both ways, and the
 * readable copy with every body HTML-escaped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARGON2ID_INTERACTIVE } from '@parley/crypto-core';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVaultClient } from '../../src/common/invoke.js';
import { Engine } from '../../src/renderer/engine/engine.js';
import { Vault } from '../../src/vault/index.js';
import { directId, introduce, waitForTexts } from '../support/conversation-helpers.js';
import { InProcessTransport } from '../support/in-process-transport.js';
import { FAST_ENGINE_OPTIONS, TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { waitFor } from '../support/wait.js';

const home = mkdtempSync(join(tmpdir(), 'parley-backup-home-'));
process.env.HOME = home;
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PASSPHRASE = 'orbit lantern quietly marble 42 harbor';
const TRICKY = '<script>alert("x")</script> & friends';

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', join(repoRoot, 'desktop/src/backup-cli/main.ts'), ...args],
    { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, INIT_CWD: home } },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the backup CLI', () => {
  let relay: RelayProcess;
  let bob: TestClient;
  let backupPath: string;
  let aliceId: string;
  const passphraseFile = join(home, 'passphrase.txt');

  beforeAll(async () => {
    writeFileSync(passphraseFile, `${PASSPHRASE}\n`, { mode: 0o600 });
    relay = await startRelay();
    const alice = await TestClient.create('alice', relay.url);
    bob = await TestClient.create('bob', relay.url);
    await introduce(alice, bob, 'Bob');
    await alice.engine.sendText(directId(bob), TRICKY);
    await waitForTexts(bob, directId(alice), 1);
    await bob.engine.sendText(directId(alice), 'second line\nwith a newline');
    await waitForTexts(alice, directId(bob), 2);
    aliceId = alice.accountId;
    backupPath = (await alice.engine.exportBackup({ passphrase: PASSPHRASE, includeIdentity: true })).path;
    await alice.dispose();
  });

  afterAll(async () => {
    await bob?.dispose();
    await relay?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('verifies and inspects without printing anything secret', () => {
    const verified = cli('verify', backupPath, '--passphrase-file', passphraseFile);
    expect(verified.stderr + verified.stdout).toContain('OK: the backup is complete and untampered');
    expect(verified.status).toBe(0);
    const inspected = cli('inspect', backupPath, '--passphrase-file', passphraseFile);
    expect(inspected.status).toBe(0);
    expect(inspected.stdout).toMatch(/format version 1/);
    expect(inspected.stdout).toMatch(/Argon2id v1\.3, 3 passes, 256 MiB/);
    expect(inspected.stdout).toMatch(/Contacts: +1 /);
    expect(inspected.stdout).toMatch(/Messages: +2, from \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d/);
    for (const secret of [TRICKY, 'second line', PASSPHRASE, 'identityKeyPair']) {
      expect(inspected.stdout + inspected.stderr).not.toContain(secret);
    }
  });

  it('refuses a damaged file and a wrong passphrase with one line and exit code 1', () => {
    const bytes = readFileSync(backupPath);
    const cut = join(home, 'cut.parleybackup');
    writeFileSync(cut, bytes.subarray(0, bytes.byteLength - 7));
    const damaged = cli('verify', cut, '--passphrase-file', passphraseFile);
    expect(damaged.status).toBe(1);
    expect(damaged.stderr).toContain('the backup is damaged or incomplete');
    const wrongFile = join(home, 'wrong.txt');
    writeFileSync(wrongFile, 'not the passphrase at all\n');
    const wrong = cli('verify', backupPath, '--passphrase-file', wrongFile);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('wrong passphrase');
  });

  it('restores into a fresh profile whose first start imports everything and talks both ways', async () => {
    const profile = join(home, 'restored-profile');
    const vaultPassphraseFile = join(home, 'vault-passphrase.txt');
    writeFileSync(vaultPassphraseFile, 'a new passphrase for this computer\n');
    const restoreArgs = [
      'restore',
      backupPath,
      '--profile',
      profile,
      '--passphrase-file',
      passphraseFile,
      '--vault-passphrase-file',
      vaultPassphraseFile,
    ];
    const restored = cli(...restoreArgs);
    expect(restored.stderr).not.toContain('backup:');
    expect(restored.status).toBe(0);
    expect(restored.stdout).toContain(`Restored account ${aliceId}`);
    // A second restore into the same profile is refused.
    const again = cli(...restoreArgs);
    expect(again.stderr).toContain('already holds an identity');
    expect(again.status).toBe(1);

    const vault = new Vault({ profileDir: profile, keyProtection: 'passphrase', kdf: ARGON2ID_INTERACTIVE });
    await vault.unlock({ passphrase: 'a new passphrase for this computer' });
    const engine = new Engine({
      ...FAST_ENGINE_OPTIONS,
      vault: createVaultClient(new InProcessTransport(vault)),
      indexedDB: new IDBFactory(),
      IDBKeyRange,
    });
    try {
      const account = await engine.start();
      expect(account.accountId).toBe(aliceId);
      const bodies = (await engine.queries.messagePage(directId(bob), { limit: 10 })).messages.map((m) => m.body);
      expect(bodies).toEqual([TRICKY, 'second line\nwith a newline']);
      await engine.sendText(directId(bob), 'restored from the command line');
      await waitForTexts(bob, `direct:${aliceId}`, 3);
      await bob.engine.sendText(`direct:${aliceId}`, 'got it');
      await waitFor('the reply', async () => {
        const page = await engine.queries.messagePage(directId(bob), { limit: 10 });
        return page.messages.some((m) => m.body === 'got it') ? true : null;
      });
    } finally {
      await engine.stop();
      await vault.lock({});
    }
  });

  it('writes a readable copy with every body escaped', () => {
    const out = join(home, 'readable');
    const result = cli('export-readable', backupPath, '--out', out, '--passphrase-file', passphraseFile);
    expect(result.status).toBe(0);
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    expect(index).toContain('Bob');
    const conversation = readFileSync(join(out, 'conversations', '1.html'), 'utf8');
    expect(conversation).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; friends');
    expect(conversation).not.toContain('<script>');
    const records = JSON.parse(readFileSync(join(out, 'backup.json'), 'utf8')) as { type: string; body?: string }[];
    expect(records.filter((r) => r.type === 'message').map((r) => r.body)).toEqual([
      TRICKY,
      'second line\nwith a newline',
    ]);
    expect(JSON.stringify(records)).not.toContain('identityKeyPair');
  });

  it('prints its usage for --help (exit 0) and names an unknown flag in one line (exit 2)', () => {
    const help = cli('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('export-readable FILE --out DIR');
    const unknown = cli('verify', backupPath, '--colour', 'blue');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("'--colour'");
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('says in one line that it needs a passphrase when there is no terminal (exit 1, not 13)', () => {
    // spawnSync gives the child a stdin pipe that ends at once: no terminal, nothing piped in.
    const result = cli('verify', backupPath);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no terminal');
    expect(result.stderr).toContain('--passphrase-file F');
    expect(
      result.stderr
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('backup:')),
    ).toHaveLength(1);
  });

  it('refuses an --out folder that holds anything, before asking for the passphrase', () => {
    const out = join(home, 'taken');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const result = cli('export-readable', backupPath, '--out', out);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`backup: ${out} already exists and is not empty; name a new folder with --out\n`);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('refuses an unknown --conversation and leaves no folder behind', () => {
    const out = join(home, 'unknown-conversation');
    const result = cli(
      'export-readable',
      backupPath,
      '--out',
      out,
      '--conversation',
      'nope',
      '--passphrase-file',
      passphraseFile,
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('backup: the backup holds no conversation nope');
    expect(existsSync(out)).toBe(false);
  });
});
