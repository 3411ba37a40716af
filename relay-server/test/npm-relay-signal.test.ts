/**
 * `npm run relay` stopped with SIGTERM to the npm process (what a process
 * manager or `kill` does): npm forwards the signal only to the shell it ran
 * the script in, so the relay itself must notice and stop, freeing its port.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'parley-npm-relay-'));
/** Whatever the test started, killed afterwards even when it failed. */
const started: number[] = [];

afterAll(() => {
  for (const pid of started.filter(alive)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Every process below `pid`, from `ps` (Linux and macOS). */
function descendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const children = rows.filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...children);
    frontier = children;
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm run relay', () => {
  it('stops the relay and frees its port when npm gets SIGTERM', { timeout: 60_000 }, async () => {
    const npm = spawn('npm', ['run', 'relay', '--', '--port', '0', '--store', 'memory', '--data-dir', dataDir], {
      cwd: ROOT,
      env: { ...process.env, PARLEY_RELAY_FROM_SOURCE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const npmExit = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      npm.stdout.setEncoding('utf8');
      npm.stdout.on('data', (chunk: string) => {
        out += chunk;
        const match = /"url":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      void npmExit.then(() => reject(new Error(`npm run relay exited before listening:\n${out}`)));
    });
    const below = descendants(npm.pid as number);
    started.push(...below);
    expect(below.length).toBeGreaterThan(0);
    expect(await portAccepts(port)).toBe(true);

    npm.kill('SIGTERM');
    await npmExit;
    const deadline = Date.now() + 15_000;
    while (below.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(below.filter(alive)).toEqual([]);
    expect(await portAccepts(port)).toBe(false);
  });
});
