/**
 * Runs a TypeScript file of this folder as a separate Node process (through
 * tsx, resolving workspace packages from their sources) and collects what it
 * prints, line by line. For tests that need a second process on the same
 * database, or a process to kill.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RELAY_SERVER_DIR = fileURLToPath(new URL('../..', import.meta.url));

export interface TsChild {
  readonly process: ChildProcess;
  /** Complete lines printed so far (a line still being written when the child died is not included). */
  readonly lines: string[];
  /** Resolves with the first line satisfying `accept` (rejects if the child exits first or after `timeoutMs`). */
  waitForLine(accept: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves when the child has exited, with its exit code and signal. */
  exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** What the child wrote to stderr (for failure messages). */
  stderr(): string;
}

export function spawnTsChild(scriptFile: string, args: readonly string[]): TsChild {
  const script = fileURLToPath(new URL(scriptFile, import.meta.url));
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script, ...args], {
    cwd: RELAY_SERVER_DIR,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let partial = '';
  let errors = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const listener of listeners) listener();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    errors += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      // 'exit' may come before the last 'data' events: let them through first.
      setImmediate(() => resolve({ code, signal }));
    });
  });

  function waitForLine(accept: (line: string) => boolean, timeoutMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        listeners.delete(onData);
        outcome();
      };
      const onData = (): void => {
        const line = lines.find(accept);
        if (line !== undefined) settle(() => resolve(line));
      };
      const timer = setTimeout(() => {
        settle(() => reject(new Error(`child printed no expected line within ${timeoutMs} ms; stderr: ${errors}`)));
      }, timeoutMs);
      listeners.add(onData);
      onData();
      void exited.then(() => {
        onData();
        settle(() => reject(new Error(`child exited before printing the expected line; stderr: ${errors}`)));
      });
    });
  }

  return { process: child, lines, waitForLine, exited, stderr: () => errors };
}
