/**
 * Counts deliveries and send-to-receive latencies inside measurement windows,
 * and pools the windows of one measurement. Both ends of a latency are read
 * from the load process's own monotonic clock (the send time travels inside
 * the envelope content), so no server clock is involved.
 */

/** What one window recorded. */
export interface RecordedWindow {
  /** Latency of each delivery in the window, ms. */
  readonly latencies: Float64Array;
  readonly seconds: number;
  /** CPU time the load process used in the window. */
  readonly loadCpuSeconds: number;
}

export interface PooledSummary {
  readonly deliveredPerSecond: number;
  readonly deliveredPerSecondByWindow: readonly number[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly samples: number;
  readonly windowSeconds: number;
  readonly loadCpuPercent: number;
}

/** The value at quantile q (0..1) of sorted values, nearest-rank; 0 for none. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

/** Deliveries of one client pool; counts only while a window is open. */
export class DeliveryRecorder {
  #latencies = new Float64Array(1 << 16);
  #count = 0;
  #recording = false;

  /** Starts a window; what was recorded before is forgotten. */
  open(): void {
    this.#count = 0;
    this.#recording = true;
  }

  /** Ends the window and hands over what it recorded. */
  close(seconds: number, loadCpuSeconds: number): RecordedWindow {
    this.#recording = false;
    return { latencies: this.#latencies.slice(0, this.#count), seconds, loadCpuSeconds };
  }

  /** Deliveries so far in the open window. */
  get count(): number {
    return this.#count;
  }

  record(latencyMs: number): void {
    if (!this.#recording) return;
    if (this.#count === this.#latencies.length) {
      const grown = new Float64Array(this.#latencies.length * 2);
      grown.set(this.#latencies);
      this.#latencies = grown;
    }
    this.#latencies[this.#count++] = latencyMs;
  }
}

/** The windows of one measurement of one target, summarised together. */
export class MeasurementPool {
  readonly #windows: RecordedWindow[] = [];

  add(window: RecordedWindow): void {
    this.#windows.push(window);
  }

  summary(): PooledSummary {
    const samples = this.#windows.reduce((sum, window) => sum + window.latencies.length, 0);
    const seconds = this.#windows.reduce((sum, window) => sum + window.seconds, 0);
    const cpuSeconds = this.#windows.reduce((sum, window) => sum + window.loadCpuSeconds, 0);
    const sorted = new Float64Array(samples);
    let offset = 0;
    for (const window of this.#windows) {
      sorted.set(window.latencies, offset);
      offset += window.latencies.length;
    }
    sorted.sort();
    return {
      deliveredPerSecond: seconds > 0 ? samples / seconds : 0,
      deliveredPerSecondByWindow: this.#windows.map((window) =>
        window.seconds > 0 ? window.latencies.length / window.seconds : 0,
      ),
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      maxMs: quantile(sorted, 1),
      samples,
      windowSeconds: seconds,
      loadCpuPercent: seconds > 0 ? (cpuSeconds / seconds) * 100 : 0,
    };
  }
}
