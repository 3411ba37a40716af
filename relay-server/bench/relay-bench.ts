/**
 * `npm run bench -w relay-server`: the relay under 1,000 websocket clients,
 * beside a bare socket.io forwarder measured in the same run.
 *
 * Three processes besides this one, all on 127.0.0.1: the real relay (durable
 * SQLite, synchronous FULL, in a temporary data folder), the bare forwarder,
 * and one load process (forked) that opens the clients for each server,
 * paired so each sends ~600-byte envelopes to another that acks them. For
 * each server it finds the saturation point, then measures the delivered
 * rate and send-to-receive latency there and at a fixed offered rate, in
 * windows that alternate between the two servers, so that other load on the
 * machine weighs on both alike. Then this process prints the figures, the
 * relay/bare ratios and one JSON line.
 *
 * Options:
 *   --clients N          clients (accounts) per server, default 1000
 *   --rate N             the fixed offered rate in envelopes/s, default 2000
 *   --rounds N           windows per server and measurement, default 3
 *   --window-seconds N   length of each window, default 4
 *   --cpu-prof DIR       write a V8 CPU profile of the relay into DIR (node --cpu-prof)
 *   --relay-arg FLAG     an extra relay flag, repeatable (e.g. --relay-arg=--log-level=warn)
 *
 * Absolute figures depend on the machine and on whatever else runs on it;
 * the ratio to the bare forwarder is the figure to compare. The run always
 * ends by itself (every phase and wait is bounded) and removes its processes
 * and temporary folder, also on Ctrl-C.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchTarget, LoadCommand, LoadReport, MeasurementName, RunPlan, TargetResult } from './bench-protocol.js';
import { reportLines } from './bench-report.js';
import { ServerProcess } from './server-process.js';

const LOAD_PROCESS = fileURLToPath(new URL('./load-process.ts', import.meta.url));
/** Longest the load process may take for the whole run (registration, connections, every window, drains). */
const RUN_TIMEOUT_MS = 15 * 60_000;

interface BenchOptions {
  readonly clients: number;
  readonly fixedRatePerSecond: number;
  readonly rounds: number;
  readonly windowSeconds: number;
  readonly cpuProfileDir: string | undefined;
  readonly relayExtraArgs: readonly string[];
}

function positiveInteger(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a whole number >= 1`);
  return value;
}

function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      clients: { type: 'string' },
      rate: { type: 'string' },
      rounds: { type: 'string' },
      'window-seconds': { type: 'string' },
      'cpu-prof': { type: 'string' },
      'relay-arg': { type: 'string', multiple: true },
    },
    strict: true,
    allowPositionals: false,
  });
  const clients = positiveInteger(values.clients, 1000, 'clients');
  if (clients < 2) throw new Error('--clients must be at least 2 (clients are paired)');
  return {
    clients,
    fixedRatePerSecond: positiveInteger(values.rate, 2000, 'rate'),
    rounds: positiveInteger(values.rounds, 3, 'rounds'),
    windowSeconds: positiveInteger(values['window-seconds'], 4, 'window-seconds'),
    // Relative to where the command was typed (npm runs workspace scripts in the workspace).
    cpuProfileDir:
      values['cpu-prof'] === undefined ? undefined : resolve(process.env.INIT_CWD ?? '.', values['cpu-prof']),
    relayExtraArgs: values['relay-arg'] ?? [],
  };
}

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

function startLoadProcess(): ChildProcess {
  return fork(LOAD_PROCESS, [], {
    execArgv: ['--conditions=source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

type WindowKey = `${BenchTarget}/${MeasurementName}`;

/** CPU time a server used inside the measurement windows, summed per target and measurement. */
class ServerCpuMeter {
  readonly #open = new Map<WindowKey, { readonly cpu: number | null; readonly at: number }>();
  readonly #totals = new Map<WindowKey, { cpu: number; seconds: number; complete: boolean }>();

  constructor(private readonly servers: Readonly<Record<BenchTarget, ServerProcess>>) {}

  edge(target: BenchTarget, measurement: MeasurementName, edge: 'open' | 'close'): void {
    const key: WindowKey = `${target}/${measurement}`;
    const cpu = this.servers[target].cpuSeconds();
    const at = performance.now();
    if (edge === 'open') {
      this.#open.set(key, { cpu, at });
      return;
    }
    const start = this.#open.get(key);
    const total = this.#totals.get(key) ?? { cpu: 0, seconds: 0, complete: true };
    if (start === undefined || start.cpu === null || cpu === null) total.complete = false;
    else {
      total.cpu += cpu - start.cpu;
      total.seconds += (at - start.at) / 1000;
    }
    this.#totals.set(key, total);
  }

  /** % of one core, or null when /proc could not tell. */
  percent(target: BenchTarget, measurement: MeasurementName): number | null {
    const total = this.#totals.get(`${target}/${measurement}`);
    if (total === undefined || !total.complete || total.seconds === 0) return null;
    return (total.cpu / total.seconds) * 100;
  }

  fillIn(result: TargetResult): TargetResult {
    return {
      ...result,
      saturation: { ...result.saturation, serverCpuPercent: this.percent(result.target, 'saturation') },
      fixedRate: { ...result.fixedRate, serverCpuPercent: this.percent(result.target, 'fixed-rate') },
    };
  }
}

/** Has the load process run the plan, sampling each server's CPU over its windows. */
function runLoad(load: ChildProcess, plan: RunPlan, servers: Readonly<Record<BenchTarget, ServerProcess>>) {
  return new Promise<{ relay: TargetResult; bare: TargetResult }>((resolvePromise, reject) => {
    const meter = new ServerCpuMeter(servers);
    const finish = (): void => {
      clearTimeout(timer);
      load.off('message', onMessage);
      load.off('exit', onExit);
    };
    const onExit = (): void => {
      finish();
      reject(new Error('the load process exited during the run'));
    };
    const onMessage = (message: unknown): void => {
      const report = message as LoadReport;
      if (report.kind === 'progress') progress(report.message);
      else if (report.kind === 'window') meter.edge(report.target, report.measurement, report.edge);
      else if (report.kind === 'failed') {
        finish();
        reject(new Error(`${report.message}\nrelay output:\n${servers.relay.outputTail}`));
      } else {
        finish();
        resolvePromise({ relay: meter.fillIn(report.relay), bare: meter.fillIn(report.bare) });
      }
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`no result within ${RUN_TIMEOUT_MS / 1000} s`));
    }, RUN_TIMEOUT_MS);
    load.on('message', onMessage);
    load.once('exit', onExit);
    load.send({ kind: 'run', ...plan } satisfies LoadCommand);
  });
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const workDir = await mkdtemp(join(tmpdir(), 'parley-relay-bench-'));
  const started = new Set<ServerProcess>();
  const load = startLoadProcess();
  const cleanUp = async (): Promise<void> => {
    if (load.exitCode === null && load.signalCode === null) load.kill('SIGKILL');
    await Promise.all([...started].map((server) => server.stop()));
    await rm(workDir, { recursive: true, force: true });
  };
  const interrupted = (): void => {
    progress('interrupted: stopping the benchmark processes');
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    progress(`starting the relay (SQLite, synchronous FULL) in ${workDir}, and the bare socket.io forwarder`);
    const relay = await ServerProcess.startRelay(
      { dataDir: join(workDir, 'relay-data'), extraArgs: options.relayExtraArgs },
      { cpuProfileDir: options.cpuProfileDir },
    );
    started.add(relay);
    const bare = await ServerProcess.startBareForwarder();
    started.add(bare);

    const results = await runLoad(
      load,
      {
        relayUrl: relay.url,
        bareUrl: bare.url,
        clients: options.clients,
        fixedRatePerSecond: options.fixedRatePerSecond,
        rounds: options.rounds,
        windowSeconds: options.windowSeconds,
      },
      { relay, bare },
    );
    load.send({ kind: 'exit' } satisfies LoadCommand);
    // A graceful stop, so that the relay writes its CPU profile.
    await relay.stop();
    if (options.cpuProfileDir !== undefined) progress(`relay CPU profile written to ${options.cpuProfileDir}`);

    for (const line of reportLines({
      ...results,
      fixedRatePerSecond: options.fixedRatePerSecond,
      rounds: options.rounds,
      windowSeconds: options.windowSeconds,
      relayDurability: relay.durability,
      relayExtraArgs: options.relayExtraArgs,
    })) {
      process.stdout.write(`${line}\n`);
    }
  } finally {
    await cleanUp();
  }
}

main().catch((error: unknown) => {
  progress(`relay bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
