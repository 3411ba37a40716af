/**
 * The benchmark's output: human lines per target and measurement, the
 * relay/bare ratios against the aims of issue 3 (then the scale-out and
 * group fan-out phases' own lines), and one JSON line holding
 * every figure (for scripts and for comparing runs).
 */
import type { LoadFigures, ScaleOutResult, TargetResult } from './bench-protocol.js';
import type { GroupFanoutResult } from './group-fanout.js';
import { groupFanoutJson, groupFanoutLines } from './group-fanout-report.js';
import { scaleOutJson, scaleOutLines } from './scale-out-report.js';
import { PAYLOAD_BYTES } from './timed-payload.js';

/** Aims (issue 14): the relay delivers at least this share of the bare forwarder's throughput... */
export const AIM_THROUGHPUT_RATIO = 0.75;
/** ...and its p99 send-to-receive latency at the fixed rate stays under this. */
export const AIM_FIXED_RATE_P99_MS = 25;

export interface BenchRun {
  readonly relay: TargetResult;
  readonly bare: TargetResult;
  readonly fixedRatePerSecond: number;
  readonly rounds: number;
  readonly windowSeconds: number;
  /** The relay's durability report as it logged it at start. */
  readonly relayDurability: unknown;
  readonly relayExtraArgs: readonly string[];
  /** The scale-out phase, SQLite first (empty when skipped). */
  readonly scaleOut: readonly ScaleOutResult[];
  /** The group fan-out phase (null when skipped). */
  readonly groupFanout: GroupFanoutResult | null;
}

export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? round(numerator / denominator, 3) : null;
}

export const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function describeFigures(figures: LoadFigures): string {
  const cpu = figures.serverCpuPercent === null ? 'n/a' : `${integer.format(figures.serverCpuPercent)}%`;
  return (
    `${integer.format(figures.deliveredPerSecond).padStart(6)} delivered/s` +
    `  p50 ${round(figures.p50Ms).toFixed(1).padStart(7)} ms  p99 ${round(figures.p99Ms).toFixed(1).padStart(7)} ms` +
    `  (server CPU ${cpu}, load CPU ${integer.format(figures.loadCpuPercent)}%, ${integer.format(figures.samples)} samples)`
  );
}

function describeTarget(result: TargetResult, fixedRate: number): string[] {
  const name = result.target.padEnd(5);
  const errors = result.errors;
  return [
    `${name} full load  ${describeFigures(result.saturation)}  [${result.saturation.perClientWindow} outstanding per client]`,
    `${name} ${integer.format(fixedRate)}/s    ${describeFigures(result.fixedRate)}`,
    `${name} setup: register ${round(result.registerSeconds)} s, connect ${round(result.connectSeconds)} s; ` +
      `errors: ${errors.sendsRefused} sends refused, ${errors.acksRefused} acks refused, ` +
      `${errors.duplicates} duplicates, ${errors.undelivered} undelivered, ${errors.disconnects} disconnects`,
  ];
}

export function roundFigures<T extends LoadFigures>(figures: T): T {
  return {
    ...figures,
    deliveredPerSecond: round(figures.deliveredPerSecond),
    deliveredPerSecondByWindow: figures.deliveredPerSecondByWindow.map((rate) => round(rate)),
    p50Ms: round(figures.p50Ms, 2),
    p99Ms: round(figures.p99Ms, 2),
    maxMs: round(figures.maxMs, 2),
    windowSeconds: round(figures.windowSeconds, 3),
    serverCpuPercent: figures.serverCpuPercent === null ? null : round(figures.serverCpuPercent),
    loadCpuPercent: round(figures.loadCpuPercent),
  };
}

function roundResult(result: TargetResult): TargetResult {
  return {
    ...result,
    registerSeconds: round(result.registerSeconds, 2),
    connectSeconds: round(result.connectSeconds, 2),
    saturation: {
      ...roundFigures(result.saturation),
      ramp: result.saturation.ramp.map((step) => ({ ...step, deliveredPerSecond: round(step.deliveredPerSecond) })),
    },
    fixedRate: roundFigures(result.fixedRate),
  };
}

/** Every line to print: the human ones, then exactly one JSON line, last. */
export function reportLines(run: BenchRun): string[] {
  const { relay, bare } = run;
  const ratios = {
    saturationThroughput: ratio(relay.saturation.deliveredPerSecond, bare.saturation.deliveredPerSecond),
    saturationP50: ratio(relay.saturation.p50Ms, bare.saturation.p50Ms),
    saturationP99: ratio(relay.saturation.p99Ms, bare.saturation.p99Ms),
    fixedRateThroughput: ratio(relay.fixedRate.deliveredPerSecond, bare.fixedRate.deliveredPerSecond),
    fixedRateP50: ratio(relay.fixedRate.p50Ms, bare.fixedRate.p50Ms),
    fixedRateP99: ratio(relay.fixedRate.p99Ms, bare.fixedRate.p99Ms),
  };
  const aims = {
    throughputRatioMin: AIM_THROUGHPUT_RATIO,
    throughputRatioMet: (ratios.saturationThroughput ?? 0) >= AIM_THROUGHPUT_RATIO,
    fixedRateP99MaxMs: AIM_FIXED_RATE_P99_MS,
    fixedRateP99Met: relay.fixedRate.p99Ms < AIM_FIXED_RATE_P99_MS,
  };
  const met = (yes: boolean): string => (yes ? 'met' : 'NOT met');
  const lines = [
    ...describeTarget(relay, run.fixedRatePerSecond),
    ...describeTarget(bare, run.fixedRatePerSecond),
    `ratio relay/bare: throughput ${ratios.saturationThroughput ?? 'n/a'} (aim >= ${AIM_THROUGHPUT_RATIO}: ${met(aims.throughputRatioMet)}); ` +
      `full-load p50 x${ratios.saturationP50 ?? 'n/a'}, p99 x${ratios.saturationP99 ?? 'n/a'}; ` +
      `at ${integer.format(run.fixedRatePerSecond)}/s p50 x${ratios.fixedRateP50 ?? 'n/a'}, p99 x${ratios.fixedRateP99 ?? 'n/a'}`,
    `relay p99 at ${integer.format(run.fixedRatePerSecond)}/s: ${round(relay.fixedRate.p99Ms)} ms ` +
      `(aim < ${AIM_FIXED_RATE_P99_MS} ms: ${met(aims.fixedRateP99Met)})`,
    ...scaleOutLines(run.scaleOut),
    ...groupFanoutLines(run.groupFanout),
  ];
  const json = {
    bench: 'relay-server',
    clients: relay.clients,
    payloadBytes: PAYLOAD_BYTES,
    fixedRatePerSecond: run.fixedRatePerSecond,
    rounds: run.rounds,
    windowSeconds: run.windowSeconds,
    relayDurability: run.relayDurability,
    relayExtraArgs: run.relayExtraArgs,
    relay: roundResult(relay),
    bare: roundResult(bare),
    ratios,
    aims,
    scaleOut: scaleOutJson(run.scaleOut),
    groupFanout: groupFanoutJson(run.groupFanout),
  };
  lines.push(JSON.stringify(json));
  return lines;
}
