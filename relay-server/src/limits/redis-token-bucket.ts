/**
 * A token bucket kept in Redis, so every relay node spends from the same
 * bucket: N nodes allow what one node allows, not N times as much.
 *
 * The whole take (refill by elapsed time, spend or refuse) is one Lua script,
 * atomic in Redis, timed by Redis' own clock so nodes' clocks don't matter.
 * A bucket's key expires once it would be full again (it then carries no
 * state), which is what prune() does for the in-memory limiter.
 *
 * When Redis fails or is slow (REDIS_COMMAND_TIMEOUT_MS), the take falls back
 * to this node's in-memory bucket for the same key: limits are then enforced
 * per node, as without Redis, rather than not at all or by refusing everyone.
 * Until Redis answers again (RedisHealth), takes go straight to that bucket.
 */
import type { Redis } from 'ioredis';
import type { RedisHealth } from '../cluster/redis-clients.js';
import type { RateLimit } from '../config.js';
import type { RateLimiter } from './rate-limiter.js';
import { type TakeResult, TokenBucketLimiter } from './token-bucket.js';

/** KEYS[1] bucket; ARGV: tokens per ms, burst, cost. Returns {1} or {0, wait ms}. */
const TAKE_SCRIPT = `
local per_ms = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then tokens = burst; at = now end
tokens = math.min(burst, tokens + math.max(0, now - at) * per_ms)
local ok = 0
if tokens >= cost then tokens = tokens - cost; ok = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / per_ms) + 1000)
if ok == 1 then return {1} end
return {0, tostring(math.ceil((cost - tokens) / per_ms))}
`;

/** KEYS[1] bucket; ARGV: burst, amount. Gives tokens back, never past the burst. */
const REFUND_SCRIPT = `
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens'))
if tokens == nil then return 0 end
redis.call('HSET', KEYS[1], 'tokens', tostring(math.min(tonumber(ARGV[1]), tokens + tonumber(ARGV[2]))))
return 1
`;

export class RedisTokenBucketLimiter implements RateLimiter {
  readonly #fallback: TokenBucketLimiter;
  readonly #perMs: number;

  /** `name` keeps limiters apart in Redis: `${prefix}limit:${name}:${key}`. */
  constructor(
    private readonly redis: Redis,
    private readonly health: RedisHealth,
    private readonly keyPrefix: string,
    private readonly limit: RateLimit,
  ) {
    this.#fallback = new TokenBucketLimiter(limit);
    this.#perMs = limit.perSecond / 1000;
  }

  async take(key: string, cost = 1): Promise<TakeResult> {
    // While Redis fails, no request waits out a command timeout: publishes and
    // health checks keep probing it, and the first success ends this.
    if (this.health.failing) return this.#fallback.take(key, cost);
    try {
      const reply = (await this.redis.eval(
        TAKE_SCRIPT,
        1,
        this.keyPrefix + key,
        String(this.#perMs),
        String(this.limit.burst),
        String(cost),
      )) as [number, string?];
      this.health.succeeded();
      if (reply[0] === 1) return { ok: true };
      const waitMs = Number(reply[1] ?? 1000);
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    } catch (error) {
      this.health.failed(error, 'shared rate limit');
      return this.#fallback.take(key, cost);
    }
  }

  async refund(key: string, cost: number): Promise<void> {
    this.#fallback.refund(key, cost);
    try {
      await this.redis.eval(REFUND_SCRIPT, 1, this.keyPrefix + key, String(this.limit.burst), String(cost));
    } catch (error) {
      this.health.failed(error, 'shared rate limit refund');
    }
  }

  prune(): void {
    this.#fallback.prune();
  }
}
