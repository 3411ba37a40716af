/**
 * Time for the engine. Own messages take their `sentAt` from a monotonic
 * clock: two messages written in the same millisecond still get distinct,
 * ordered timestamps, so a conversation sorted by `sentAt` keeps the order in
 * which they were written (and the receiver sorts them the same way).
 */

export interface Clock {
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export class MonotonicClock implements Clock {
  #last = 0;

  constructor(private readonly source: Clock = systemClock) {}

  /** Strictly increasing across calls, and never behind the source clock. */
  now(): number {
    const now = Math.max(this.source.now(), this.#last + 1);
    this.#last = now;
    return now;
  }

  /** Never hand out a timestamp at or before `timestamp` (e.g. the newest stored own message). */
  advancePast(timestamp: number): void {
    if (timestamp > this.#last) this.#last = timestamp;
  }
}

/** A promise that resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
