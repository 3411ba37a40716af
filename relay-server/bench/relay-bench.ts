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
 * Last, the group fan-out phase (group-fanout.ts): one group message to 100
 * and to 256 members through a multi-recipient upload, beside sealing it 1:1
 * to each: bytes, encrypt time, POST to commit, relay CPU per message.
 *
 * Then the scale-out phase (scale-out.ts): fewer clients, the same load on
 * the relay on one SQLite node and on 1, 2 and 3 nodes sharing PostgreSQL
 * and Redis (a fresh schema and key prefix each, the schema dropped after),
 * each client connected straight to one node. Its figures and their ratios
 * to SQLite join the report and the JSON line.
 *
 * Options:
 *   --clients N          clients (accounts) per server, default 1000
 *   --rate N             the fixed offered rate in envelopes/s, default 2000
 *   --rounds N           windows per server and measurement, default 3
 *   --window-seconds N   length of each window, default 4
 *   --cpu-prof DIR       write a V8 CPU profile of the relay into DIR (node --cpu-prof)
 *   --relay-arg FLAG     an extra relay flag, repeatable (e.g. --relay-arg=--log-level=warn)
 *   --scale-out-nodes N  largest node count on PostgreSQL + Redis, default 3; 0 skips the phase
 *   --scale-out-clients N  clients in the scale-out phase, default 300
 *   --scale-out-rate N   its fixed offered rate in envelopes/s, default 500
 *   --postgres URL       default PARLEY_BENCH_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/test
 *   --redis URL          default PARLEY_BENCH_REDIS_URL or redis://127.0.0.1:6379
 *   --group-sizes LIST   group sizes of the group fan-out phase, default 100,256; none skips it
 *   --group-sends N      messages timed per group size, default 20
 *   --group-fanout-only  only the group fan-out phase (no load run, no scale-out)
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
import type { BenchTarget, LoadCommand, MeasurementName, RunPlan, TargetResult } from './bench-protocol.js';
import { reportLines } from './bench-report.js';
import { type GroupFanoutResult, runGroupFanout } from './group-fanout.js';
import { groupFanoutJson, groupFanoutLines } from './group-fanout-report.js';
import { exchangeWithLoad } from './load-exchange.js';
import { runScaleOut } from './scale-out.js';
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
  readonly scaleOutNodes: number;
  readonly scaleOutClients: number;
  readonly scaleOutRatePerSecond: number;
  readonly postgresUrl: string;
  readonly redisUrl: string;
  readonly groupSizes: readonly number[];
  readonly groupSends: number;
  readonly groupFanoutOnly: boolean;
}

function groupSizes(text: string | undefined): number[] {
  if (text === undefined) return [100, 256];
  if (text === 'none') return [];
  return text.split(',').map((size) => wholeNumber(size.trim(), 0, 'group-sizes', 2));
}

function wholeNumber(text: string | undefined, fallback: number, name: string, min = 1): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`--${name} must be a whole number >= ${min}`);
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
      'scale-out-nodes': { type: 'string' },
      'scale-out-clients': { type: 'string' },
      'scale-out-rate': { type: 'string' },
      postgres: { type: 'string' },
      redis: { type: 'string' },
      'group-sizes': { type: 'string' },
      'group-sends': { type: 'string' },
      'group-fanout-only': { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  const clients = wholeNumber(values.clients, 1000, 'clients');
  if (clients < 2) throw new Error('--clients must be at least 2 (clients are paired)');
  const scaleOutClients = wholeNumber(values['scale-out-clients'], 300, 'scale-out-clients', 2);
  return {
    clients,
    fixedRatePerSecond: wholeNumber(values.rate, 2000, 'rate'),
    rounds: wholeNumber(values.rounds, 3, 'rounds'),
    windowSeconds: wholeNumber(values['window-seconds'], 4, 'window-seconds'),
    // Relative to where the command was typed (npm runs workspace scripts in the workspace).
    cpuProfileDir:
      values['cpu-prof'] === undefined ? undefined : resolve(process.env.INIT_CWD ?? '.', values['cpu-prof']),
    relayExtraArgs: values['relay-arg'] ?? [],
    scaleOutNodes: wholeNumber(values['scale-out-nodes'], 3, 'scale-out-nodes', 0),
    scaleOutClients,
    scaleOutRatePerSecond: wholeNumber(values['scale-out-rate'], 500, 'scale-out-rate'),
    postgresUrl: values.postgres ?? process.env.PARLEY_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: values.redis ?? process.env.PARLEY_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    groupSizes: groupSizes(values['group-sizes']),
    groupSends: wholeNumber(values['group-sends'], 20, 'group-sends'),
    groupFanoutOnly: values['group-fanout-only'] ?? false,
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
  const meter = new ServerCpuMeter(servers);
  return exchangeWithLoad(load, { kind: 'run', ...plan } satisfies LoadCommand, {
    label: 'the main run',
    timeoutMs: RUN_TIMEOUT_MS,
    progress,
    window: (report) => meter.edge(report.target, report.measurement, report.edge),
    answer: (report) =>
      report.kind === 'result' ? { relay: meter.fillIn(report.relay), bare: meter.fillIn(report.bare) } : undefined,
    failureDetail: () => `relay output:\n${servers.relay.outputTail}`,
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

  const groupFanout = (): Promise<GroupFanoutResult | null> =>
    options.groupSizes.length === 0
      ? Promise.resolve(null)
      : runGroupFanout(
          { sizes: options.groupSizes, sends: options.groupSends, workDir, relayExtraArgs: options.relayExtraArgs },
          progress,
        );
  try {
    if (options.groupFanoutOnly) {
      load.send({ kind: 'exit' } satisfies LoadCommand);
      const result = await groupFanout();
      for (const line of groupFanoutLines(result)) process.stdout.write(`${line}\n`);
      process.stdout.write(`${JSON.stringify({ bench: 'relay-server', groupFanout: groupFanoutJson(result) })}\n`);
      return;
    }
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
    // A graceful stop, so that the relay writes its CPU profile.
    await relay.stop();
    await bare.stop();
    if (options.cpuProfileDir !== undefined) progress(`relay CPU profile written to ${options.cpuProfileDir}`);
    const scaleOut = await runScaleOut(
      load,
      {
        maxNodes: options.scaleOutNodes,
        clients: options.scaleOutClients,
        perClientWindow: results.relay.saturation.perClientWindow,
        fixedRatePerSecond: options.scaleOutRatePerSecond,
        windowSeconds: options.windowSeconds,
        postgresUrl: options.postgresUrl,
        redisUrl: options.redisUrl,
        relayExtraArgs: options.relayExtraArgs,
        workDir,
      },
      progress,
    );
    load.send({ kind: 'exit' } satisfies LoadCommand);
    const groupFanoutResult = await groupFanout();

    for (const line of reportLines({
      ...results,
      fixedRatePerSecond: options.fixedRatePerSecond,
      rounds: options.rounds,
      windowSeconds: options.windowSeconds,
      relayDurability: relay.durability,
      relayExtraArgs: options.relayExtraArgs,
      scaleOut,
      groupFanout: groupFanoutResult,
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
