/**
 * The web shell as a real child process, started with the same command as
 * `npm run web-shell` (read from desktop/package.json so the two cannot
 * drift). For the CLI test here and for the end-to-end tests of issue 5.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DESKTOP_DIR = fileURLToPath(new URL('../../../', import.meta.url));

/** `node --conditions=source --import tsx src/web-shell/main.ts`, as the package script has it. */
export function webShellCommand(): { command: string; args: string[] } {
  const manifest = JSON.parse(readFileSync(`${DESKTOP_DIR}package.json`, 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const script = manifest.scripts?.['web-shell'];
  if (!script) throw new Error('desktop/package.json has no "web-shell" script');
  const [program, ...args] = script.split(/\s+/);
  if (program !== 'node') throw new Error(`the web-shell script should start with node: ${script}`);
  return { command: process.execPath, args };
}

export interface Exited {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ShellProcess {
  readonly child: ChildProcess;
  /** The line the shell printed, e.g. http://127.0.0.1:PORT/#token=... */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly exited: Promise<Exited>;
  stdout(): string;
  stderr(): string;
  /** Sends SIGTERM and waits for the exit. */
  stop(): Promise<Exited>;
}

export const OPEN_LINE = /^Open (http:\/\/127\.0\.0\.1:(\d+)\/#token=([A-Za-z0-9_-]{43}))$/m;

function spawnShell(args: readonly string[]) {
  const { command, args: baseArgs } = webShellCommand();
  const child = spawn(command, [...baseArgs, ...args], { cwd: DESKTOP_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<Exited>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** Runs the CLI to completion (for the cases where it should refuse to start). */
export async function runShellCli(args: readonly string[]): Promise<Exited & { stdout: string; stderr: string }> {
  const run = spawnShell(args);
  const exit = await run.exited;
  return { ...exit, stdout: run.stdout(), stderr: run.stderr() };
}

export async function startShellProcess(args: readonly string[], timeoutMs = 60_000): Promise<ShellProcess> {
  const run = spawnShell(args);
  const started = Date.now();
  for (;;) {
    const match = OPEN_LINE.exec(run.stdout());
    if (match?.[1] && match[2] && match[3]) {
      return {
        ...run,
        url: match[1],
        port: Number(match[2]),
        token: match[3],
        stop: async () => {
          if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGTERM');
          return run.exited;
        },
      };
    }
    if (run.child.exitCode !== null || run.child.signalCode !== null) {
      throw new Error(`the web shell exited before printing its URL:\n${run.stderr()}`);
    }
    if (Date.now() - started > timeoutMs) {
      run.child.kill('SIGKILL');
      throw new Error(`the web shell printed no URL within ${timeoutMs} ms:\n${run.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
