/**
 * Mean stage durations of the drain's batches, from the receive pipeline's
 * per-batch debug lines ('receive batch': waitMs, prefilterMs, decryptMs,
 * planMs, commitMs). The decrypt and commit stages overlap, so the means do
 * not add up to the time per batch.
 */
import type { LogDetails } from '../src/renderer/engine/logger.js';

export interface StageSummary {
  readonly batches: number;
  readonly waitMs: number;
  readonly prefilterMs: number;
  readonly decryptMs: number;
  readonly planMs: number;
  readonly commitMs: number;
}

function mean(lines: readonly LogDetails[], field: string): number {
  const values = lines.map((line) => line[field]).filter((value): value is number => typeof value === 'number');
  if (values.length === 0) return 0;
  return Number((values.reduce((sum, value) => sum + value, 0) / values.length).toFixed(1));
}

export function stageSummary(lines: readonly LogDetails[]): StageSummary {
  return {
    batches: lines.length,
    waitMs: mean(lines, 'waitMs'),
    prefilterMs: mean(lines, 'prefilterMs'),
    decryptMs: mean(lines, 'decryptMs'),
    planMs: mean(lines, 'planMs'),
    commitMs: mean(lines, 'commitMs'),
  };
}
