/**
 * What a rate limit needs from its buckets. The default is this process's
 * TokenBucketLimiter; relay nodes given --redis share RedisTokenBucketLimiter
 * buckets instead, so a client cannot multiply its allowance by spreading
 * requests over nodes.
 */
import type { RateLimit } from '../config.js';
import type { TakeResult } from './token-bucket.js';

export interface RateLimiter {
  /** Spends `cost` tokens of `key`'s bucket, or says how long to wait until it could. */
  take(key: string, cost?: number): TakeResult | Promise<TakeResult>;
  /** Gives back tokens taken for something that did not happen after all. */
  refund(key: string, cost: number): void | Promise<void>;
  /** Drops state that carries no information (full buckets). */
  prune(): void;
}

/** Builds the limiter of one named limit (`name` is stable: shared buckets are keyed by it). */
export type RateLimiterFactory = (name: string, limit: RateLimit) => RateLimiter;
