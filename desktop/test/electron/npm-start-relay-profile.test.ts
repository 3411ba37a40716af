/**
 * `npm start -- --relay URL --profile DIR`, as README's "Chat with a friend"
 * has people run it: the app against a relay that runs elsewhere, with no
 * local relay started, and a second person's data folder with a web shell
 * port of its own that stays the same across restarts. A local relay port
 * that is taken (another `npm start` runs its relay) is refused with the
 * command to use instead.
 *
 * PARLEY_SHELL=web and a stand-in renderer as in npm-start.test.ts; the
 * relay URL given needs no relay behind it, since nothing here registers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Exit,
  freePort,
  isListening,
  NPM_START_URL_LINE,
  type NpmRun,
  npmRun,
  REPO_ROOT as repoRoot,
} from '../support/npm-run.js';
import { waitFor } from '../support/wait.js';
import { rawRequest } from '../web-shell/support/http-client.js';
import { createRendererFixture, type RendererFixture } from '../web-shell/support/renderer-fixture.js';

let fixture: RendererFixture;
let workDir: string;
const started: NpmRun[] = [];

beforeAll(() => {
  fixture = createRendererFixture();
  workDir = mkdtempSync(join(tmpdir(), 'parley-npm-start-friend-'));
});
afterEach(() => {
  for (const run of started.splice(0)) run.kill();
});
afterAll(() => {
  fixture.remove();
  rmSync(workDir, { recursive: true, force: true });
});

function npmStart(args: readonly string[], env: Record<string, string>): NpmRun {
  const run = npmRun(['start', '--', ...args], {
    PARLEY_SHELL: 'web',
    PARLEY_RENDERER_DIR: fixture.rendererDir,
    ...env,
  });
  started.push(run);
  return run;
}

/** Waits for the web shell's URL line; returns its port. */
async function webShellPort(run: NpmRun): Promise<number> {
  const match = await waitFor('the URL line', () => NPM_START_URL_LINE.exec(run.output()), 90_000);
  return Number(match[2]);
}

/** Ctrl+C ends npm by the signal, or with 0 or 130 where it catches it. */
function expectStopped(exit: Exit): void {
  expect([0, 130].includes(exit.code ?? -1) || exit.signal === 'SIGINT').toBe(true);
}

async function shellConfig(port: number): Promise<unknown> {
  const config = await rawRequest(port, '/config.json', { headers: { Host: `127.0.0.1:${port}` } });
  expect(config.status).toBe(200);
  return JSON.parse(config.body);
}

describe('npm start -- --relay URL --profile DIR', () => {
  it('starts no local relay, offers that relay, and keeps the profile its own folder and web shell port', async () => {
    // Where a local relay would listen: nothing may appear there.
    const localRelayPort = await freePort();
    const remotePort = await freePort();
    const profile = join(workDir, 'bob');
    const env = { PARLEY_RELAY_PORT: String(localRelayPort) };
    // A trailing slash, as people paste it; the app gets the canonical form.
    const args = ['--relay', `http://127.0.0.1:${remotePort}/`, '--profile', profile];
    const relayUrl = `http://127.0.0.1:${remotePort}`;

    const first = npmStart(args, env);
    const port = await webShellPort(first);
    expect(first.output()).toContain(`parley: using the relay at ${relayUrl}; no local relay started.`);
    expect(first.output()).not.toContain('relay running');
    expect(await shellConfig(port)).toMatchObject({ defaultRelayUrl: relayUrl, relayUrls: [relayUrl] });
    expect(await isListening(localRelayPort)).toBe(false);
    // The profile folder is the person's: the web shell's vault folder and the port it keeps.
    expect(readFileSync(join(profile, 'web-shell-port'), 'utf8').trim()).toBe(String(port));
    expect(first.output()).toContain(`[web-shell] profile ${join(profile, 'profile')}`);
    expect(port).not.toBe(7448);
    expectStopped(await first.interrupt());

    // Started again: the same port, so the page's origin (and its IndexedDB) is the same.
    const again = npmStart(args, env);
    expect(await webShellPort(again)).toBe(port);
    await again.interrupt();

    // --port moves it, and the folder keeps the new one.
    const movedTo = await freePort();
    const moved = npmStart([...args, '--port', String(movedTo)], env);
    expect(await webShellPort(moved)).toBe(movedTo);
    expect(readFileSync(join(profile, 'web-shell-port'), 'utf8').trim()).toBe(String(movedTo));
    await moved.interrupt();
  });

  it('runs a second person beside the first on one computer, sharing the first one’s relay', async () => {
    const relayPort = await freePort();
    const env = { PARLEY_RELAY_PORT: String(relayPort) };
    const first = npmStart(['--profile', join(workDir, 'first')], env);
    const firstPort = await webShellPort(first);
    expect(first.output()).toContain(`parley: relay running at http://127.0.0.1:${relayPort}`);

    // The second without --relay would start a second relay on the same port: refused, with the command to use.
    const clash = npmStart(['--profile', join(workDir, 'second')], env);
    expect((await clash.exited).code).toBe(1);
    expect(clash.output()).toContain(`port ${relayPort} on 127.0.0.1 is taken`);
    expect(clash.output()).toContain(`npm start -- --relay http://127.0.0.1:${relayPort} --profile DIR`);
    expect(clash.output()).not.toContain('parley: Open ');

    const second = npmStart(['--relay', `http://127.0.0.1:${relayPort}`, '--profile', join(workDir, 'second')], env);
    const secondPort = await webShellPort(second);
    expect(secondPort).not.toBe(firstPort);
    expect(await shellConfig(secondPort)).toMatchObject({ defaultRelayUrl: `http://127.0.0.1:${relayPort}` });
    // The first one's relay still answers: the second start left it alone.
    expect((await fetch(`http://127.0.0.1:${relayPort}/healthz`)).ok).toBe(true);

    expectStopped(await second.interrupt());
    expect((await fetch(`http://127.0.0.1:${relayPort}/healthz`)).ok).toBe(true);
    await first.interrupt();
    await waitFor('the relay port to be released', async () => ((await isListening(relayPort)) ? null : true));
  });

  it('hands Electron the relay and the profile, with no local relay', async () => {
    const localRelayPort = await freePort();
    const profile = join(workDir, 'electron-user');
    const argsFile = join(workDir, 'electron-args.txt');
    const fakeElectron = join(workDir, 'fake-electron.sh');
    writeFileSync(fakeElectron, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\nexit 0\n`, { mode: 0o755 });
    const squatter: Server = createServer();
    // A taken relay port does not matter: no relay is started.
    await new Promise<void>((resolve) => squatter.listen(localRelayPort, '127.0.0.1', resolve));
    try {
      const run = npmRun(['start', '--', '--profile', profile], {
        PARLEY_RELAY_URL: 'https://relay.example.org',
        PARLEY_RELAY_PORT: String(localRelayPort),
        PARLEY_ELECTRON: fakeElectron,
        PARLEY_RENDERER_DIR: fixture.rendererDir,
      });
      started.push(run);
      expect((await run.exited).code).toBe(0);
      expect(run.output()).toContain('no local relay started');
      expect(run.output()).toContain('parley: the desktop app closed.');
      expect(readFileSync(argsFile, 'utf8').trim().split('\n')).toEqual([
        join(repoRoot, 'desktop'),
        `--parley-profile=${join(profile, 'electron')}`,
        '--parley-relay=https://relay.example.org',
      ]);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });
});
