/**
 * Exponential backoff with jitter, bounded: attempt n waits about
 * initial * multiplier^n, capped at max, scaled by a random factor in
 * [1 - jitter, 1]. The jitter spreads the reconnects of many clients after a
 * relay restart instead of having them arrive in lockstep.
 */

export interface BackoffOptions {
  /** First delay (ms). */
  readonly initialMs: number;
  /** Largest delay (ms). */
  readonly maxMs: number;
  /** Growth per attempt (>= 1). */
  readonly multiplier: number;
  /** Fraction of the delay that is random, 0 (none) to 1 (full jitter). */
  readonly jitter: number;
}

export const DEFAULT_RECONNECT_BACKOFF: BackoffOptions = {
  initialMs: 500,
  maxMs: 30_000,
  multiplier: 2,
  jitter: 0.5,
};

export function backoffDelay(options: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempt, 64));
  const base = Math.min(options.maxMs, options.initialMs * options.multiplier ** exponent);
  const jitter = Math.max(0, Math.min(1, options.jitter));
  return Math.round(base * (1 - jitter * random()));
}

/** Counts consecutive failures; `reset()` after a success. */
export class Backoff {
  #attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next try, and counts this failure. */
  next(): number {
    const delay = backoffDelay(this.options, this.#attempt, this.random);
    this.#attempt++;
    return delay;
  }

  reset(): void {
    this.#attempt = 0;
  }
}
