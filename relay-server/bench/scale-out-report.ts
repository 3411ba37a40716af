/**
 * The scale-out phase in the benchmark's output: one line per store and node
 * count, the ratios to the SQLite node, and the figures for the JSON line.
 * On one machine these ratios are the cost of the shared store (PostgreSQL
 * commits, Redis wake-ups, nodes sharing the cores), not a speed-up.
 */

import type { ScaleOutResult } from './bench-protocol.js';
import { describeFigures, integer, ratio, round, roundFigures } from './bench-report.js';

function ratiosTo(result: ScaleOutResult, sqlite: ScaleOutResult) {
  return {
    saturationThroughput: ratio(result.saturation.deliveredPerSecond, sqlite.saturation.deliveredPerSecond),
    saturationP99: ratio(result.saturation.p99Ms, sqlite.saturation.p99Ms),
    fixedRateThroughput: ratio(result.fixedRate.deliveredPerSecond, sqlite.fixedRate.deliveredPerSecond),
    fixedRateP99: ratio(result.fixedRate.p99Ms, sqlite.fixedRate.p99Ms),
  };
}

export function scaleOutLines(results: readonly ScaleOutResult[]): string[] {
  const [sqlite] = results;
  if (sqlite === undefined) return [];
  const lines = [
    `scale-out (${sqlite.clients} clients, each connected to one node; all nodes, PostgreSQL, Redis and the load on this machine):`,
  ];
  for (const result of results) {
    const name = result.label.padEnd(18);
    const errors = result.errors;
    const ratios = ratiosTo(result, sqlite);
    lines.push(
      `${name} full load  ${describeFigures(result.saturation)}`,
      `${name} ${integer.format(result.fixedRate.offeredPerSecond)}/s     ${describeFigures(result.fixedRate)}`,
      `${name} vs sqlite: throughput x${ratios.saturationThroughput ?? 'n/a'}, p99 at ${integer.format(result.fixedRate.offeredPerSecond)}/s x${ratios.fixedRateP99 ?? 'n/a'}; ` +
        `${result.crossNodePairs} of ${Math.ceil(result.clients / 2)} pairs across nodes; ` +
        `errors: ${errors.sendsRefused} sends refused, ${errors.undelivered} undelivered, ${errors.duplicates} duplicates, ${errors.disconnects} disconnects`,
    );
  }
  return lines;
}

/** For the JSON line: every run with rounded figures, and each run's ratios to the SQLite node. */
export function scaleOutJson(results: readonly ScaleOutResult[]) {
  const [sqlite] = results;
  if (sqlite === undefined) return null;
  return {
    clients: sqlite.clients,
    perClientWindow: sqlite.saturation.perClientWindow,
    fixedRatePerSecond: sqlite.fixedRate.offeredPerSecond,
    runs: results.map((result) => ({
      ...result,
      registerSeconds: round(result.registerSeconds, 2),
      connectSeconds: round(result.connectSeconds, 2),
      saturation: roundFigures(result.saturation),
      fixedRate: roundFigures(result.fixedRate),
      ratiosToSqlite: ratiosTo(result, sqlite),
    })),
  };
}
