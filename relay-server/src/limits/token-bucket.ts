/**
 * Keyed token buckets: each key (an account, an IP) may spend `burst` tokens
 * at once and earns `perSecond` back over time. Buckets live in this process
 * only, so on several nodes each node enforces its own share (documented in
 * the README); RedisTokenBucketLimiter shares them across nodes (--redis).
 *
 * Memory stays bounded: a bucket that has refilled completely carries no
 * information and is pruned, and a hard cap on keys evicts the oldest ones.
 */
import type { RateLimit } from '../config.js';
import type { RateLimiter } from './rate-limiter.js';

export type TakeResult = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const DEFAULT_MAX_KEYS = 100_000;

export class TokenBucketLimiter implements RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #perMs: number;
  readonly #burst: number;
  readonly #maxKeys: number;

  constructor(
    limit: RateLimit,
    private readonly clock: () => number = Date.now,
    maxKeys = DEFAULT_MAX_KEYS,
  ) {
    this.#perMs = limit.perSecond / 1000;
    this.#burst = limit.burst;
    this.#maxKeys = maxKeys;
  }

  /** Spends `cost` tokens of `key`'s bucket, or says how long to wait until it could. */
  take(key: string, cost = 1): TakeResult {
    const now = this.clock();
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxKeys) this.#evictOldest();
      bucket = { tokens: this.#burst, updatedAt: now };
      this.#buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.updatedAt) * this.#perMs);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { ok: true };
    }
    const waitMs = (cost - bucket.tokens) / this.#perMs;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** Gives back `cost` tokens taken for something that did not happen after all (never past the burst). */
  refund(key: string, cost: number): void {
    const bucket = this.#buckets.get(key);
    if (bucket !== undefined) bucket.tokens = Math.min(this.#burst, bucket.tokens + cost);
  }

  /** Drops buckets that are full again (they carry no state). Called by the periodic sweep. */
  prune(): number {
    const now = this.clock();
    let removed = 0;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * this.#perMs >= this.#burst) {
        this.#buckets.delete(key);
        removed++;
      }
    }
    return removed;
  }

  get size(): number {
    return this.#buckets.size;
  }

  #evictOldest(): void {
    // Maps iterate in insertion order: the first keys are the oldest buckets.
    const excess = Math.max(1, Math.floor(this.#maxKeys / 10));
    let removed = 0;
    for (const key of this.#buckets.keys()) {
      this.#buckets.delete(key);
      if (++removed >= excess) break;
    }
  }
}
