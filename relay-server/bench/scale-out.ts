/**
 * The benchmark's scale-out phase (orchestrator side): the same clients and
 * the same load against the relay on one SQLite node, then on 1, 2 and 3
 * nodes sharing one PostgreSQL schema and one Redis prefix (fresh for each
 * node count, the schema dropped after). Every client connects straight to
 * one node (no balancer); partners sit on neighbouring nodes, so with two or
 * more nodes most envelopes are committed by one node and pushed by another
 * after a Redis wake-up. On one machine the nodes share its cores with each
 * other, PostgreSQL, Redis and the load process: the figures show what the
 * shared store costs, not what more machines would gain. A run interrupted
 * with Ctrl-C stops the nodes but leaves its schema (parley_bench_*) behind.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { LoadCommand, MeasurementName, ScaleOutResult, ScaleOutStore } from './bench-protocol.js';
import { exchangeWithLoad } from './load-exchange.js';
import { ServerProcess } from './server-process.js';

/** Longest one scale-out measurement may take (registration, connections, two windows, drains). */
const MEASUREMENT_TIMEOUT_MS = 3 * 60_000;

export interface ScaleOutOptions {
  /** Largest node count on PostgreSQL + Redis (1..maxNodes are measured); 0 skips the phase. */
  readonly maxNodes: number;
  readonly clients: number;
  readonly perClientWindow: number;
  readonly fixedRatePerSecond: number;
  readonly windowSeconds: number;
  readonly postgresUrl: string;
  readonly redisUrl: string;
  readonly relayExtraArgs: readonly string[];
  readonly workDir: string;
}

/** The nodes' summed CPU time over each measurement window. */
class NodesCpuMeter {
  readonly #open = new Map<MeasurementName, { readonly cpu: number | null; readonly at: number }>();
  readonly #percent = new Map<MeasurementName, number | null>();

  constructor(private readonly nodes: readonly ServerProcess[]) {}

  #cpu(): number | null {
    let total = 0;
    for (const node of this.nodes) {
      const cpu = node.cpuSeconds();
      if (cpu === null) return null;
      total += cpu;
    }
    return total;
  }

  edge(measurement: MeasurementName, edge: 'open' | 'close'): void {
    const cpu = this.#cpu();
    const at = performance.now();
    if (edge === 'open') {
      this.#open.set(measurement, { cpu, at });
      return;
    }
    const start = this.#open.get(measurement);
    const seconds = start === undefined ? 0 : (at - start.at) / 1000;
    this.#percent.set(
      measurement,
      start?.cpu == null || cpu === null || seconds === 0 ? null : ((cpu - start.cpu) / seconds) * 100,
    );
  }

  /** % of one core, all nodes together; null when /proc could not tell. */
  percent(measurement: MeasurementName): number | null {
    return this.#percent.get(measurement) ?? null;
  }
}

function measure(
  load: ChildProcess,
  command: Extract<LoadCommand, { kind: 'scale-out' }>,
  nodes: readonly ServerProcess[],
  progress: (message: string) => void,
): Promise<ScaleOutResult> {
  const meter = new NodesCpuMeter(nodes);
  return exchangeWithLoad(load, command, {
    label: command.label,
    timeoutMs: MEASUREMENT_TIMEOUT_MS,
    progress,
    window: (report) => meter.edge(report.measurement, report.edge),
    answer: (report) =>
      report.kind === 'scale-out-result'
        ? {
            ...report.result,
            saturation: { ...report.result.saturation, serverCpuPercent: meter.percent('saturation') },
            fixedRate: { ...report.result.fixedRate, serverCpuPercent: meter.percent('fixed-rate') },
          }
        : undefined,
    failureDetail: () => `first node's output:\n${nodes[0]?.outputTail ?? ''}`,
  });
}

async function dropSchema(postgresUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Starts the nodes of one measurement, runs it, stops them (and drops the schema) whatever happens. */
async function measureOn(
  load: ChildProcess,
  options: ScaleOutOptions,
  store: ScaleOutStore,
  nodeCount: number,
  progress: (message: string) => void,
): Promise<ScaleOutResult> {
  const tag = randomBytes(6).toString('hex');
  const schema = `parley_bench_${tag}`;
  const storeArgs =
    store === 'sqlite'
      ? []
      : [
          '--store',
          'postgres',
          '--postgres',
          options.postgresUrl,
          '--postgres-schema',
          schema,
          '--redis',
          options.redisUrl,
          '--redis-prefix',
          `parley-bench-${tag}:`,
        ];
  const env = { PARLEY_RELAY_JWT_SECRET: randomBytes(32).toString('base64') };
  const label = store === 'sqlite' ? 'sqlite x1' : `postgres+redis x${nodeCount}`;
  const nodes: ServerProcess[] = [];
  try {
    progress(`scale-out: starting ${label}`);
    // One at a time: the first migrates the schema, the others find it done.
    for (let node = 0; node < nodeCount; node++) {
      nodes.push(
        await ServerProcess.startRelay({
          dataDir: join(options.workDir, `scale-out-${tag}-${node}`),
          extraArgs: [...storeArgs, ...options.relayExtraArgs],
          env,
        }),
      );
    }
    return await measure(
      load,
      {
        kind: 'scale-out',
        label,
        store,
        nodeUrls: nodes.map((node) => node.url),
        clients: options.clients,
        perClientWindow: options.perClientWindow,
        fixedRatePerSecond: options.fixedRatePerSecond,
        windowSeconds: options.windowSeconds,
      },
      nodes,
      progress,
    );
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    if (store !== 'sqlite') await dropSchema(options.postgresUrl, schema);
  }
}

/** SQLite on one node, then PostgreSQL + Redis on 1..maxNodes nodes; none when maxNodes is 0. */
export async function runScaleOut(
  load: ChildProcess,
  options: ScaleOutOptions,
  progress: (message: string) => void,
): Promise<ScaleOutResult[]> {
  if (options.maxNodes === 0) return [];
  const results = [await measureOn(load, options, 'sqlite', 1, progress)];
  for (let nodes = 1; nodes <= options.maxNodes; nodes++) {
    results.push(await measureOn(load, options, 'postgres+redis', nodes, progress));
  }
  return results;
}
