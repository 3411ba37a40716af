/**
 * The CLI as a real child process (the `web-shell` package script's command):
 * it starts, prints the URL with a fresh token, serves the page and the
 * vault, stops cleanly on SIGTERM, and refuses bad command lines.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './support/http-client.js';
import { createRendererFixture, type RendererFixture } from './support/renderer-fixture.js';
import { runShellCli, type ShellProcess, startShellProcess } from './support/shell-process.js';
import { openReady } from './support/socket-client.js';

let fixture: RendererFixture;
let profileDir: string;

beforeAll(() => {
  fixture = createRendererFixture();
  profileDir = mkdtempSync(join(tmpdir(), 'parley-web-shell-cli-'));
});

afterAll(() => {
  rmSync(profileDir, { recursive: true, force: true });
  fixture.remove();
});

describe('npm run web-shell', () => {
  let shell: ShellProcess | undefined;

  afterAll(async () => {
    await shell?.stop();
  });

  it('starts, prints "Open http://127.0.0.1:PORT/#token=...", serves the page and the vault, and stops on SIGTERM', async () => {
    shell = await startShellProcess([
      '--profile',
      join(profileDir, 'profile'),
      '--renderer',
      fixture.rendererDir,
      '--relay',
      'http://127.0.0.1:9',
    ]);
    expect(shell.url).toBe(`http://127.0.0.1:${shell.port}/#token=${shell.token}`);
    expect(shell.port).toBeGreaterThan(0);

    const page = await rawRequest(shell.port, '/', { headers: { Host: `127.0.0.1:${shell.port}` } });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain('connect-src');
    const config = await rawRequest(shell.port, '/config.json', { headers: { Host: `127.0.0.1:${shell.port}` } });
    expect(JSON.parse(config.body)).toMatchObject({ defaultRelayUrl: 'http://127.0.0.1:9' });

    const socket = await openReady(shell);
    expect(await socket.call('getStatus', {})).toEqual({
      ok: true,
      value: { state: 'no-identity', keyProtection: 'passphrase', account: null },
    });

    const exited = await shell.stop();
    expect(exited).toEqual({ code: 0, signal: null });
    expect((await socket.closed).code).toBe(1001);
    expect(shell.stderr()).toContain('SIGTERM: stopping');
    expect(shell.stderr()).toContain('stopped');
    // The token is shown once, in the URL line, and never logged.
    expect(shell.stderr()).not.toContain(shell.token);
  });

  it('makes a new token on every launch', async () => {
    const first = await startShellProcess(['--profile', join(profileDir, 'a'), '--renderer', fixture.rendererDir]);
    const second = await startShellProcess(['--profile', join(profileDir, 'b'), '--renderer', fixture.rendererDir]);
    try {
      expect(first.token).not.toBe(second.token);
      expect(first.port).not.toBe(second.port);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});

describe('the profile folder', () => {
  it('holds the backups: --profile DIR writes them into DIR/backups', async () => {
    const profile = join(profileDir, 'with-backups');
    const shell = await startShellProcess(['--profile', profile, '--renderer', fixture.rendererDir]);
    try {
      const socket = await openReady(shell);
      // The shell's vault derives its key with Argon2id MODERATE: a second or two.
      expect(await socket.call('createIdentity', { passphrase: 'a passphrase for the backup folder' })).toMatchObject({
        ok: true,
      });
      const begun = await socket.call('backupReadableBegin', {});
      if (!begun.ok) throw new Error(`backupReadableBegin failed: ${begun.error.message}`);
      const { exportId, path } = begun.value as { exportId: string; path: string };
      expect(dirname(path)).toBe(join(profile, 'backups'));
      expect(await socket.call('backupExportAbort', { exportId })).toEqual({ ok: true, value: null });
      await socket.close();
    } finally {
      await shell.stop();
    }
  });
});

describe.concurrent('refusals', () => {
  it('refuses to listen anywhere but 127.0.0.1 (exit 1)', async () => {
    const run = await runShellCli([
      '--profile',
      join(profileDir, 'c'),
      '--renderer',
      fixture.rendererDir,
      '--host',
      '0.0.0.0',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('listens on 127.0.0.1 only');
    expect(run.stdout).not.toContain('Open ');
  });

  it('needs --profile (exit 2, one line)', async () => {
    const run = await runShellCli(['--port', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('web shell: --profile DIR is required (--help lists the options)\n');
  });

  it('refuses unknown flags, such as a passphrase on the command line, in one line naming it (exit 2)', async () => {
    const run = await runShellCli(['--profile', join(profileDir, 'd'), '--passphrase', 'secret']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("web shell: Unknown option '--passphrase' (--help lists the options)\n");
  });

  it('says how to build the renderer when it is missing (exit 1)', async () => {
    const run = await runShellCli(['--profile', join(profileDir, 'e'), '--renderer', join(profileDir, 'no-build')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('npm run build:renderer');
  });

  it('prints the usage for --help (exit 0)', async () => {
    const run = await runShellCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--profile DIR');
  });
});
