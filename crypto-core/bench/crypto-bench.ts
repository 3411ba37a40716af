/**
 * `npm run bench -w crypto-core`: every crypto-core figure in one run, each
 * beside the same operation done with raw libsignal or raw libsodium calls,
 * as a ratio. Human-readable lines first, then exactly one JSON line holding
 * every figure and ratio, so runs can be compared.
 */
import { benchBackup } from './backup-bench.js';
import { benchGroup } from './group-bench.js';
import { benchSignal } from './signal-bench.js';

const started = Date.now();
const signal = await benchSignal();
const backup = await benchBackup();
const group = await benchGroup();
const figures: Record<string, number | string> = {
  bench: 'crypto-core',
  node: process.version,
  ...signal,
  ...backup,
  ...group,
  duration_s: Math.round((Date.now() - started) / 100) / 10,
};
console.log(JSON.stringify(figures));
