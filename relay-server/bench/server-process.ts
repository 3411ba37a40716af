/**
 * The server under load, as a child process on 127.0.0.1 and a free port:
 * the real relay (`bin/parley-relay.mjs` from the TypeScript sources, SQLite
 * in a temporary data folder) or the bare forwarder (bare-forwarder.ts).
 * Each prints a JSON line with its URL; the relay's also carries the storage
 * durability report, which the benchmark shows so a reader can check that
 * the figures are for durable commits.
 *
 * The child's CPU time is read from /proc (Linux) so the report can say
 * whether the server or the load generator was the bottleneck.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const RELAY_BIN = fileURLToPath(new URL('../bin/parley-relay.mjs', import.meta.url));
const BARE_FORWARDER = fileURLToPath(new URL('./bare-forwarder.ts', import.meta.url));
const RAW_TRANSFER_SERVER = fileURLToPath(new URL('./raw-transfer-server.ts', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
/** Linux's USER_HZ: the unit of utime/stime in /proc/PID/stat on every mainstream architecture. */
const CLOCK_TICKS_PER_SECOND = 100;
/** Output kept for error messages. */
const OUTPUT_TAIL_CHARS = 8000;

export interface RelayOptions {
  readonly dataDir: string;
  /** Flags after the benchmark's own (later flags win). */
  readonly extraArgs: readonly string[];
  /** Environment on top of the benchmark's (e.g. the JWT secret every node of one relay shares). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ServerOptions {
  /** Write a V8 CPU profile of the server into this folder when it exits (node --cpu-prof). */
  readonly cpuProfileDir?: string | undefined;
}

/** The line a server prints once it listens. */
interface ListeningLine {
  readonly url: string;
  readonly durability?: unknown;
}

function parseListeningLine(line: string): ListeningLine | null {
  if (!line.includes('"url"')) return null;
  try {
    const parsed = JSON.parse(line) as { url?: unknown; durability?: unknown };
    return typeof parsed.url === 'string' ? { url: parsed.url, durability: parsed.durability } : null;
  } catch {
    return null;
  }
}

export class ServerProcess {
  #output = '';
  readonly #exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    /** The relay's storage durability report (undefined for the bare forwarder). */
    readonly durability: unknown,
    exited: Promise<void>,
  ) {
    this.#exited = exited;
  }

  /** The relay with the benchmark's settings: durable SQLite (synchronous FULL), limits raised for a load test. */
  static startRelay(relay: RelayOptions, options: ServerOptions = {}): Promise<ServerProcess> {
    const args = [
      RELAY_BIN,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data-dir',
      relay.dataDir,
      '--store',
      'sqlite',
      '--sqlite-synchronous',
      'FULL',
      // A load test, not abuse: 1,000 registrations and websockets from one
      // IP, and sends and acks far above the per-account defaults.
      '--max-connections-per-ip',
      '1000000',
      '--ack-rate',
      '1000000',
      '--ack-burst',
      '1000000',
      '--daily-send-quota',
      '1024GiB',
      '--auth-rate',
      '1000000',
      '--auth-burst',
      '1000000',
      '--send-rate',
      '1000000',
      '--send-burst',
      '1000000',
      '--token-ttl',
      '1h',
      ...relay.extraArgs,
    ];
    return ServerProcess.#launch(args, { ...relay.env, PARLEY_RELAY_FROM_SOURCE: '1' }, options);
  }

  /** The attachment benchmark's baseline (raw-transfer-server.ts), keeping its file in `folder`. */
  static startRawTransfer(folder: string): Promise<ServerProcess> {
    return ServerProcess.#launch(['--conditions=source', '--import', 'tsx', RAW_TRANSFER_SERVER, folder], {}, {});
  }

  static startBareForwarder(options: ServerOptions = {}): Promise<ServerProcess> {
    return ServerProcess.#launch(['--conditions=source', '--import', 'tsx', BARE_FORWARDER], {}, options);
  }

  static async #launch(
    args: readonly string[],
    env: Readonly<Record<string, string>>,
    options: ServerOptions,
  ): Promise<ServerProcess> {
    const profiling =
      options.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`];
    const child = spawn(process.execPath, [...profiling, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Never leave a server behind when the benchmark goes away.
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        process.off('exit', killOnExit);
        resolve();
      });
    });

    let output = '';
    const listening = await new Promise<ListeningLine>((resolve, reject) => {
      let pending = '';
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), START_TIMEOUT_MS);
      child.stdout?.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        output = (output + text).slice(-OUTPUT_TAIL_CHARS);
        pending += text;
        for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
          const line = parseListeningLine(pending.slice(0, newline));
          pending = pending.slice(newline + 1);
          if (line !== null) {
            clearTimeout(timer);
            resolve(line);
          }
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`server exited before listening:\n${output}`));
      });
    }).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    });
    const server = new ServerProcess(child, listening.url, listening.durability, exited);
    server.#output = output;
    // Keep draining its output (a full pipe would block the server), keeping only the tail.
    child.stdout?.on('data', (chunk: Buffer) => {
      server.#output = (server.#output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    });
    return server;
  }

  /** The end of what the server printed (for error messages). */
  get outputTail(): string {
    return this.#output;
  }

  /** User + system CPU seconds the server has used so far; null where /proc cannot tell. */
  cpuSeconds(): number | null {
    const pid = this.child.pid;
    if (pid === undefined) return null;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces) start at state, field 3.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const utime = Number(fields[11]);
      const stime = Number(fields[12]);
      return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / CLOCK_TICKS_PER_SECOND : null;
    } catch {
      return null;
    }
  }

  /** SIGTERM (graceful: the relay commits what it accepted), SIGKILL if it takes too long. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.#exited;
    clearTimeout(timer);
  }
}
