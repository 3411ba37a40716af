/**
 * The repository's npm scripts (`npm start`, `npm run relay`) run as a user
 * runs them, from the repository root, each in its own process group so a
 * test can stop every descendant (npm, node, the relay, the web shell) at
 * once, as Ctrl+C in a terminal does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface NpmRun {
  readonly child: ChildProcess;
  /** Pids of this run's processes (its process group) whose command line contains `text` (Linux /proc). */
  pidsRunning(text: string): number[];
  readonly exited: Promise<Exit>;
  /** stdout and stderr so far, interleaved as they came. */
  output(): string;
  /** Ctrl+C: SIGINT to the whole process group (npm does not forward a lone SIGINT); resolves on exit. */
  interrupt(): Promise<Exit>;
  /** SIGKILL to the whole group (descendants may outlive npm), for cleanup after a failure. */
  kill(): void;
}

/** `npm <args>` in the repository root with `env` added to this process's environment. */
export function npmRun(args: readonly string[], env: Record<string, string> = {}): NpmRun {
  const child = spawn('npm', [...args], {
    cwd: REPO_ROOT,
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
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    child,
    pidsRunning: (text) => (child.pid === undefined ? [] : pidsInGroup(child.pid, text)),
    exited,
    output: () => output,
    interrupt: () => {
      if (child.exitCode === null && child.signalCode === null) signalGroup('SIGINT');
      return exited;
    },
    kill: () => signalGroup('SIGKILL'),
  };
}

/** Processes of process group `group` whose command line contains `text`, from /proc (Linux). */
function pidsInGroup(group: number, text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state, ppid, pgrp, ...
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp !== group) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(text)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

/** The web shell's line as `npm start` passes it on. */
export const NPM_START_URL_LINE = /parley: Open (http:\/\/127\.0\.0\.1:(\d+)\/#token=([A-Za-z0-9_-]+)) in your browser/;
