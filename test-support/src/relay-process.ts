/**
 * A real relay process for tests: `node bin/parley-relay.mjs` (from the
 * TypeScript sources) on 127.0.0.1, a free port, and a temporary data folder.
 * It waits for the "relay listening" log line and for /healthz, captures
 * everything the process prints (tests search it for secrets), and can stop
 * it with SIGTERM, kill it with SIGKILL, and start it again on the same
 * folder and port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A path, not a package import: the test runs the relay's command line as an
// operator would. Same depth from src/ and dist/, so both resolve it.
const BIN = fileURLToPath(new URL('../../relay-server/bin/parley-relay.mjs', import.meta.url));
const START_TIMEOUT_MS = 30_000;

export interface RelayProcessOptions {
  /** Extra flags, e.g. ['--send-rate', '1000']. */
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Reuse a data folder (default: a new temporary one). */
  readonly dataDir?: string;
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One JSON log line of the relay. */
export type LogLine = Record<string, unknown>;

export class RelayProcess {
  #child: ChildProcess | null = null;
  #exit: Promise<ExitStatus> | null = null;
  #output = '';
  #port = 0;
  url = '';

  private constructor(
    readonly dataDir: string,
    private readonly options: RelayProcessOptions,
    private readonly ownsDataDir: boolean,
  ) {}

  static async start(options: RelayProcessOptions = {}): Promise<RelayProcess> {
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'parley-relay-test-')));
    const relay = new RelayProcess(dataDir, options, options.dataDir === undefined);
    await relay.#launch();
    return relay;
  }

  /** Everything the relay printed (stdout and stderr), across restarts. */
  get output(): string {
    return this.#output;
  }

  /** The JSON log lines printed so far. */
  logLines(): LogLine[] {
    const lines: LogLine[] = [];
    for (const line of this.#output.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        // A line cut by a kill: not a log line.
      }
    }
    return lines;
  }

  get running(): boolean {
    return this.#child !== null;
  }

  async #launch(): Promise<void> {
    const args = [
      BIN,
      '--host',
      '127.0.0.1',
      '--port',
      String(this.#port),
      '--data-dir',
      this.dataDir,
      ...(this.options.args ?? []),
    ];
    const child = spawn(process.execPath, args, {
      env: { ...process.env, PARLEY_RELAY_FROM_SOURCE: '1', ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    // Never leave a relay behind when the test process goes away.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    this.#exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        process.off('exit', killOnExit);
        this.#child = null;
        resolve({ code, signal });
      });
    });
    const listening = new Promise<string>((resolve, reject) => {
      let pending = '';
      const timer = setTimeout(() => reject(new Error(`relay did not start:\n${this.#output}`)), START_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        this.#output += text;
        pending += text;
        let newline = pending.indexOf('\n');
        while (newline >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          newline = pending.indexOf('\n');
          if (!line.includes('"url"')) continue;
          try {
            const parsed = JSON.parse(line) as { url?: unknown };
            if (typeof parsed.url === 'string') {
              clearTimeout(timer);
              resolve(parsed.url);
            }
          } catch {
            // not JSON
          }
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => {
        this.#output += chunk.toString('utf8');
      });
      void this.#exit?.then((status) => {
        clearTimeout(timer);
        reject(new Error(`relay exited (${status.code ?? status.signal}) before listening:\n${this.#output}`));
      });
    });
    try {
      this.url = await listening;
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    this.#port = Number(new URL(this.url).port);
    await this.#waitHealthy();
  }

  async #waitHealthy(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      try {
        const response = await fetch(`${this.url}/healthz`);
        if (response.ok) return;
      } catch {
        // not up yet
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`relay never became healthy:\n${this.#output}`);
  }

  /**
   * Runs `parley-relay invite --count N` on this relay's data folder (with
   * the relay's own flags), as an operator would while it runs; returns the codes.
   */
  async invite(count = 1): Promise<string[]> {
    const args = [BIN, 'invite', '--count', String(count), '--data-dir', this.dataDir, ...(this.options.args ?? [])];
    const child = spawn(process.execPath, args, {
      env: { ...process.env, PARLEY_RELAY_FROM_SOURCE: '1', ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    if (code !== 0) throw new Error(`parley-relay invite failed (${code}): ${stderr}`);
    return stdout.trim().split('\n');
  }

  /** Sends a signal and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitStatus> {
    const child = this.#child;
    const exit = this.#exit;
    if (child === null || exit === null) return { code: null, signal: null };
    child.kill(signal);
    return exit;
  }

  /** kill -9: no shutdown code runs. */
  kill(): Promise<ExitStatus> {
    return this.stop('SIGKILL');
  }

  /** Starts the relay again on the same data folder and port. */
  async restart(): Promise<void> {
    if (this.#child !== null) await this.stop();
    await this.#launch();
  }

  /** Stops the relay (SIGKILL if it is still running) and removes a temporary data folder. */
  async dispose(): Promise<void> {
    if (this.#child !== null) await this.kill();
    if (this.ownsDataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}
