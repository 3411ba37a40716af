/**
 * How load is offered to one client pool:
 *
 * - Closed loop (saturation): every client keeps `w` sends outstanding (sent,
 *   not yet answered by the server) and sends again as soon as one is
 *   answered. The ramp measures a short step at each w of RAMP_WINDOWS (the
 *   caller alternates the servers step by step), then the smallest w that
 *   delivered within PLATEAU of the best step is held for the measurement:
 *   full throughput, without inflating latency by piling up more outstanding
 *   sends than the server can use. Every step is measured, rather than
 *   stopping at the first that did not gain, so one noisy step cannot end the
 *   ramp early.
 * - Open loop (fixed rate): sends are issued on a schedule, round robin over
 *   the clients, whatever the answers, so latency is measured at a known
 *   offered load rather than at whatever rate the server allows.
 *
 * Every phase has a fixed duration and ends with a bounded drain (everything
 * accepted received), so windows never overlap and a run always ends.
 */
import { performance } from 'node:perf_hooks';
import type { MeasurementName, RampStep } from './bench-protocol.js';
import type { RecordedWindow } from './delivery-recorder.js';
import type { ClientPool } from './load-clients.js';

/** Sends outstanding per client at each ramp step. */
export const RAMP_WINDOWS: readonly number[] = [1, 2, 4, 8, 16];
/** A step within this share of the best step's rate counts as reaching the plateau. */
const PLATEAU = 0.9;
const RAMP_SETTLE_MS = 1000;
const RAMP_SAMPLE_MS = 2000;
/** Closed loop: time to reach a steady state before a window opens. */
const SATURATION_SETTLE_MS = 1500;
/** Open loop: time at the fixed rate before a window opens. */
const FIXED_RATE_WARMUP_MS = 1500;
/** How often the open-loop scheduler issues the sends that are due. */
const SCHEDULER_TICK_MS = 1;
/** After a refused send (e.g. RATE_LIMITED), wait this long before the client sends again. */
const REFUSED_BACKOFF_MS = 20;
const DRAIN_TIMEOUT_MS = 30_000;

export interface WindowHooks {
  /** A measurement window opens or closes (the orchestrator samples the server's CPU then). */
  readonly window: (measurement: MeasurementName, edge: 'open' | 'close') => void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Records the pool's deliveries for `ms`, with this process's CPU time over the same span. */
async function recordWindow(
  pool: ClientPool,
  ms: number,
  measurement: MeasurementName | null,
  hooks: WindowHooks,
): Promise<RecordedWindow> {
  if (measurement !== null) hooks.window(measurement, 'open');
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  pool.recorder.open();
  await sleep(ms);
  const seconds = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const window = pool.recorder.close(seconds, (cpu.user + cpu.system) / 1e6);
  if (measurement !== null) hooks.window(measurement, 'close');
  return window;
}

/** Waits until every accepted envelope arrived and every send was answered (bounded). */
async function drain(pool: ClientPool): Promise<void> {
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (!pool.settled && performance.now() < deadline) await sleep(20);
  pool.forgetSeen();
}

/** Keeps `window` sends outstanding per client until stopped. */
class ClosedLoop {
  #window = 0;
  #running = true;

  constructor(private readonly pool: ClientPool) {
    pool.onSendSettled = (client, accepted) => {
      if (!this.#running) return;
      if (accepted) this.#refill(client);
      else setTimeout(() => this.#refill(client), REFUSED_BACKOFF_MS);
    };
  }

  /** Sets the window; raising it sends at once, lowering it lets answers bring clients down to it. */
  hold(window: number): void {
    this.#window = window;
    for (let client = 0; client < this.pool.size; client++) this.#refill(client);
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.pool.onSendSettled = () => undefined;
    await drain(this.pool);
  }

  #refill(client: number): void {
    while (this.#running && this.pool.outstanding(client) < this.#window) this.pool.send(client);
  }
}

export interface SaturationPoint {
  readonly perClientWindow: number;
  readonly ramp: readonly RampStep[];
}

/** One ramp step: the closed loop at `perClientWindow`, settled, then sampled. */
export async function rampStep(pool: ClientPool, perClientWindow: number, hooks: WindowHooks): Promise<RampStep> {
  const loop = new ClosedLoop(pool);
  try {
    loop.hold(perClientWindow);
    await sleep(RAMP_SETTLE_MS);
    const sample = await recordWindow(pool, RAMP_SAMPLE_MS, null, hooks);
    return { perClientWindow, deliveredPerSecond: sample.latencies.length / sample.seconds };
  } finally {
    await loop.stop();
  }
}

/** The smallest per-client window whose step reached the plateau of the ramp. */
export function saturationPointOf(ramp: readonly RampStep[]): SaturationPoint {
  const best = Math.max(0, ...ramp.map((step) => step.deliveredPerSecond));
  const plateau = ramp.find((step) => step.deliveredPerSecond >= best * PLATEAU);
  return { perClientWindow: plateau?.perClientWindow ?? 1, ramp };
}

/** One saturation window: the closed loop at `perClientWindow`, settled, then measured for `ms`. */
export async function saturationWindow(
  pool: ClientPool,
  perClientWindow: number,
  ms: number,
  hooks: WindowHooks,
): Promise<RecordedWindow> {
  const loop = new ClosedLoop(pool);
  try {
    loop.hold(perClientWindow);
    await sleep(SATURATION_SETTLE_MS);
    return await recordWindow(pool, ms, 'saturation', hooks);
  } finally {
    await loop.stop();
  }
}

/** One fixed-rate window: `perSecond` sends on a schedule, warmed up, then measured for `ms`. */
export async function fixedRateWindow(
  pool: ClientPool,
  perSecond: number,
  ms: number,
  hooks: WindowHooks,
): Promise<RecordedWindow> {
  pool.onSendSettled = () => undefined;
  const startedAt = performance.now();
  let issued = 0;
  let nextClient = 0;
  const scheduler = setInterval(() => {
    const due = Math.floor(((performance.now() - startedAt) / 1000) * perSecond);
    while (issued < due) {
      pool.send(nextClient);
      nextClient = (nextClient + 1) % pool.size;
      issued++;
    }
  }, SCHEDULER_TICK_MS);
  try {
    await sleep(FIXED_RATE_WARMUP_MS);
    return await recordWindow(pool, ms, 'fixed-rate', hooks);
  } finally {
    clearInterval(scheduler);
    await drain(pool);
  }
}
