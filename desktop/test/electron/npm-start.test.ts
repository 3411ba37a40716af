/**
 * `npm start` as a user runs it (through npm, from the repository root),
 * with its data in a temporary folder and free ports: it starts the relay,
 * says it starts the web shell instead of Electron, prints the URL, the URL
 * serves the app, and one Ctrl+C (SIGINT to the process group) stops
 * everything. A taken web
 * shell port is refused with a clear message; a relay that cannot start is
 * reported with its own reason; a relay that stops later leaves the app
 * running, and npm start says so.
 *
 * PARLEY_SHELL=web keeps the test the same on machines with an Electron
 * runtime; PARLEY_RENDERER_DIR serves a stand-in renderer so the test does
 * not race other tests' Vite builds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isListening, type NpmRun, npmRun, REPO_ROOT as repoRoot } from '../support/npm-run.js';
import { waitFor } from '../support/wait.js';
import { rawRequest } from '../web-shell/support/http-client.js';
import { createRendererFixture, FIXTURE_FILES, type RendererFixture } from '../web-shell/support/renderer-fixture.js';

function npmStart(env: Record<string, string>, args: readonly string[] = []): NpmRun {
  const run = npmRun(args.length === 0 ? ['start'] : ['start', '--', ...args], env);
  started.push(run);
  return run;
}

/** The web shell even where Electron exists, on the given ports, serving the stand-in renderer. */
function webShellEnv(relayPort: number, webShellPort: number): Record<string, string> {
  return {
    PARLEY_DATA_DIR: dataDir,
    PARLEY_RELAY_PORT: String(relayPort),
    PARLEY_WEB_SHELL_PORT: String(webShellPort),
    PARLEY_SHELL: 'web',
    PARLEY_RENDERER_DIR: fixture.rendererDir,
  };
}

let fixture: RendererFixture;
let dataDir: string;
const started: NpmRun[] = [];

beforeAll(() => {
  fixture = createRendererFixture();
  dataDir = mkdtempSync(join(tmpdir(), 'parley-npm-start-'));
});
afterEach(() => {
  for (const run of started.splice(0)) run.kill();
});
afterAll(() => {
  fixture.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('starts the relay and, without Electron, the web shell; prints the URL, which serves the app; SIGINT stops all', async () => {
    const relayPort = await freePort();
    const webShellPort = await freePort();
    const run = npmStart(webShellEnv(relayPort, webShellPort));

    const url = await waitFor(
      'the URL line',
      () => /parley: Open (http:\/\/127\.0\.0\.1:\d+\/#token=\S+) in your browser/.exec(run.output())?.[1],
      90_000,
    );
    expect(run.output()).toContain(`parley: relay running at http://127.0.0.1:${relayPort}`);
    expect(run.output()).toContain('starting the web shell instead');
    // The fixed port keeps the page's origin (and its IndexedDB) across restarts.
    expect(url.startsWith(`http://127.0.0.1:${webShellPort}/#token=`)).toBe(true);

    const page = await rawRequest(webShellPort, '/', { headers: { Host: `127.0.0.1:${webShellPort}` } });
    expect(page.status).toBe(200);
    expect(page.body).toBe(FIXTURE_FILES['index.html']);
    const config = await rawRequest(webShellPort, '/config.json', { headers: { Host: `127.0.0.1:${webShellPort}` } });
    expect(JSON.parse(config.body)).toMatchObject({ defaultRelayUrl: `http://127.0.0.1:${relayPort}` });
    const health = await fetch(`http://127.0.0.1:${relayPort}/healthz`);
    expect(health.ok).toBe(true);

    // Ctrl+C in a terminal signals the whole foreground process group (npm does not forward a lone SIGINT).
    const exit = await run.interrupt();
    expect([0, 130].includes(exit.code ?? -1) || exit.signal === 'SIGINT').toBe(true);
    expect(run.output()).toContain('[web-shell] stopped');
    await waitFor('both ports to be released', async () =>
      (await isListening(relayPort)) || (await isListening(webShellPort)) ? null : true,
    );
  });

  it('refuses a taken web shell port with a clear message, and stops the relay', async () => {
    const relayPort = await freePort();
    const webShellPort = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(webShellPort, '127.0.0.1', resolve));
    try {
      const run = npmStart(webShellEnv(relayPort, webShellPort));
      const exit = await run.exited;
      expect(exit.code).toBe(1);
      expect(run.output()).toContain(`port ${webShellPort} on 127.0.0.1 is taken`);
      expect(run.output()).toContain('PARLEY_WEB_SHELL_PORT');
      expect(run.output()).not.toContain('parley: Open ');
      await waitFor('the relay port to be released', async () => ((await isListening(relayPort)) ? null : true));
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });

  it("says why the relay could not start, in the relay's own words, and starts nothing else", async () => {
    const ownDataDir = mkdtempSync(join(tmpdir(), 'parley-npm-start-broken-'));
    try {
      // Where the relay's data folder should be there is a file: the relay cannot create its folder.
      writeFileSync(join(ownDataDir, 'relay'), 'not a folder');
      const run = npmStart({ ...webShellEnv(await freePort(), await freePort()), PARLEY_DATA_DIR: ownDataDir });
      const exit = await run.exited;
      expect(exit.code).toBe(1);
      expect(run.output()).toContain(
        `parley: the relay could not start: EEXIST: file already exists, mkdir '${join(ownDataDir, 'relay')}'.`,
      );
      expect(run.output()).not.toContain('parley: Open ');
      expect(run.output()).not.toContain('relay running');
    } finally {
      rmSync(ownDataDir, { recursive: true, force: true });
    }
  });

  it('keeps the app running when its relay stops, and says that it stopped and how to start it again', async () => {
    const relayPort = await freePort();
    const webShellPort = await freePort();
    const run = npmStart(webShellEnv(relayPort, webShellPort));
    await waitFor('the URL line', () => run.output().includes('parley: Open '), 90_000);
    const [relayPid, ...others] = run.pidsRunning('parley-relay.mjs');
    expect(others).toEqual([]);
    if (relayPid === undefined) throw new Error(`no relay process in npm start's group:\n${run.output()}`);
    process.kill(relayPid, 'SIGTERM');

    await waitFor('the stop to be reported', () => run.output().includes('parley: the relay stopped'), 30_000);
    expect(run.output()).toContain(
      'parley: the relay stopped (exit 0). The app keeps running and what you write waits until the relay is back; to start it again, stop Parley with Ctrl+C and run npm start again.',
    );
    expect(run.output()).not.toContain('stopping everything');
    // The app is still served, by the same shell.
    const page = await rawRequest(webShellPort, '/', { headers: { Host: `127.0.0.1:${webShellPort}` } });
    expect(page.status).toBe(200);
    expect(run.child.exitCode).toBeNull();
    const exit = await run.interrupt();
    expect([0, 130].includes(exit.code ?? -1) || exit.signal === 'SIGINT').toBe(true);
  });

  it('launches Electron on the desktop app with its profile and the relay where a runtime exists, and ends with it', async () => {
    const relayPort = await freePort();
    const argsFile = join(dataDir, 'electron-args.txt');
    // A stand-in Electron: records its command line, then exits as when the user closes the window.
    const fakeElectron = join(dataDir, 'fake-electron.sh');
    writeFileSync(fakeElectron, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\nsleep 1\nexit 0\n`, { mode: 0o755 });
    const run = npmStart({
      PARLEY_DATA_DIR: dataDir,
      PARLEY_RELAY_PORT: String(relayPort),
      PARLEY_ELECTRON: fakeElectron,
      PARLEY_RENDERER_DIR: fixture.rendererDir,
    });
    const exit = await run.exited;
    expect(exit.code).toBe(0);
    expect(run.output()).toContain(`starting the desktop app (Electron at ${fakeElectron})`);
    expect(run.output()).toContain('the desktop app closed; stopping the relay.');
    expect(run.output()).not.toContain('web shell');
    expect(readFileSync(argsFile, 'utf8').trim().split('\n')).toEqual([
      join(repoRoot, 'desktop'),
      `--parley-profile=${join(dataDir, 'electron')}`,
      `--parley-relay=http://127.0.0.1:${relayPort}`,
    ]);
    await waitFor('the relay port to be released', async () => ((await isListening(relayPort)) ? null : true));
  });
});

describe('npm start on its command line', () => {
  // Bounded: before --help existed, it started the relay and never returned.
  function npmStartWith(args: readonly string[], env: Record<string, string> = {}) {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'parley-npm-start-args-')), 'data');
    const result = spawnSync('npm', ['start', '--', ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, PARLEY_DATA_DIR: dataDir, PARLEY_RELAY_PORT: '0', PARLEY_SHELL: 'web', ...env },
      timeout: 30_000,
    });
    const started = existsSync(dataDir);
    rmSync(dirname(dataDir), { recursive: true, force: true });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, started };
  }

  /** The lines start.mjs itself wrote to stderr (npm adds its own around them). */
  function parleyLines(stderr: string): string[] {
    return stderr.split('\n').filter((line) => line.startsWith('parley:'));
  }

  it('prints its help for --help and exits 0, starting nothing', () => {
    const help = npmStartWith(['--help']);
    expect(help.status).toBe(0);
    for (const option of ['--relay URL', '--profile DIR', '--port N', 'PARLEY_RELAY_URL', 'PARLEY_RELAY_PORT']) {
      expect(help.stdout).toContain(option);
    }
    expect(help.stdout).toContain('npm start -- --relay http://127.0.0.1:7447 --profile .data/second');
    expect(help.stdout).not.toContain('relay running');
    expect(help.started).toBe(false);
  });

  it('names an unknown flag in one line and exits 2, starting nothing', () => {
    const unknown = npmStartWith(['--colour']);
    expect(unknown.status).toBe(2);
    expect(parleyLines(unknown.stderr)).toEqual([
      "parley: Unknown option '--colour' (npm start -- --help lists what it takes)",
    ]);
    expect(unknown.started).toBe(false);
  });

  it('refuses a relay that is no http(s) URL, from the flag or the environment, in one line with exit 2', () => {
    const cases = [
      {
        run: npmStartWith(['--relay', 'ftp://relay.example.org']),
        line: 'parley: --relay must start with http:// or https://: "ftp://relay.example.org" (e.g. https://relay.example.org) (npm start -- --help lists what it takes)',
      },
      {
        run: npmStartWith(['--relay', 'relay.example.org']),
        line: 'parley: --relay is not a URL: "relay.example.org" (e.g. https://relay.example.org) (npm start -- --help lists what it takes)',
      },
      {
        run: npmStartWith(['--relay', 'https://relay.example.org/?x=1']),
        line: 'parley: --relay must not have a query or fragment: "https://relay.example.org/?x=1" (e.g. https://relay.example.org) (npm start -- --help lists what it takes)',
      },
      {
        run: npmStartWith([], { PARLEY_RELAY_URL: 'https://me:secret@relay.example.org' }),
        line: 'parley: PARLEY_RELAY_URL must not carry a user name or password: "https://me:secret@relay.example.org" (e.g. https://relay.example.org) (npm start -- --help lists what it takes)',
      },
      {
        run: npmStartWith(['--relay']),
        line: "parley: Option '--relay <value>' argument missing (npm start -- --help lists what it takes)",
      },
      {
        run: npmStartWith(['--port', '70000']),
        line: 'parley: --port must be a port number from 0 to 65535, not "70000" (npm start -- --help lists what it takes)',
      },
    ];
    for (const { run, line } of cases) {
      expect(run.status).toBe(2);
      expect(parleyLines(run.stderr)).toEqual([line]);
      expect(run.stdout).not.toContain('relay running');
      expect(run.started).toBe(false);
    }
  });
});
