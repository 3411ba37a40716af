/**
 * `npm start` as a user runs it (through npm, from the repository root),
 * with its data in a temporary folder and free ports: it starts the relay,
 * says it starts the web shell instead of Electron, prints the URL, the URL
 * serves the app, and one Ctrl+C (SIGINT to the process group) stops
 * everything. A taken web
 * shell port is refused with a clear message.
 *
 * PARLEY_SHELL=web keeps the test the same on machines with an Electron
 * runtime; PARLEY_RENDERER_DIR serves a stand-in renderer so the test does
 * not race other tests' Vite builds.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { rawRequest } from '../web-shell/support/http-client.js';
import { createRendererFixture, FIXTURE_FILES, type RendererFixture } from '../web-shell/support/renderer-fixture.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

interface NpmStart {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

function npmStart(env: Record<string, string>): NpmStart {
  // Its own process group, so cleanup can reach every descendant if an assertion fails midway.
  const child = spawn('npm', ['start'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => output };
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
const started: NpmStart[] = [];

beforeAll(() => {
  fixture = createRendererFixture();
  dataDir = mkdtempSync(join(tmpdir(), 'parley-npm-start-'));
});
afterEach(() => {
  for (const run of started.splice(0)) {
    if (run.child.exitCode === null && run.child.pid) {
      try {
        process.kill(-run.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
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
    started.push(run);

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
    process.kill(-(run.child.pid ?? 0), 'SIGINT');
    const exit = await run.exited;
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
      started.push(run);
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
    started.push(run);
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
  function npmStartWith(...args: string[]) {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'parley-npm-start-args-')), 'data');
    const result = spawnSync('npm', ['start', '--', ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, PARLEY_DATA_DIR: dataDir, PARLEY_RELAY_PORT: '0', PARLEY_SHELL: 'web' },
      timeout: 30_000,
    });
    const started = existsSync(dataDir);
    rmSync(dirname(dataDir), { recursive: true, force: true });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, started };
  }

  it('prints its help for --help and exits 0, starting nothing', () => {
    const help = npmStartWith('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('PARLEY_RELAY_PORT');
    expect(help.stdout).not.toContain('relay running');
    expect(help.started).toBe(false);
  });

  it('names an unknown flag in one line and exits 2, starting nothing', () => {
    const unknown = npmStartWith('--colour');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.split('\n').filter((line) => line.startsWith('parley:'))).toEqual([
      "parley: Unknown option '--colour' (npm start -- --help lists what it takes)",
    ]);
    expect(unknown.started).toBe(false);
  });
});
