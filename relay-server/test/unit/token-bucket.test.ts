import { describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from '../../src/limits/token-bucket.js';

describe('TokenBucketLimiter', () => {
  it('allows the burst, then refills at the rate, and says how long to wait', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ perSecond: 2, burst: 3 }, () => now);
    expect([1, 2, 3].map(() => limiter.take('a').ok)).toEqual([true, true, true]);
    const refused = limiter.take('a');
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 1 });
    now = 500;
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    expect(limiter.take('b').ok).toBe(true); // keys are independent
  });

  it('gives back refunded tokens, never past the burst', () => {
    const now = 0;
    const limiter = new TokenBucketLimiter({ perSecond: 0.001, burst: 100 }, () => now);
    expect(limiter.take('a', 80).ok).toBe(true);
    expect(limiter.take('a', 30).ok).toBe(false);
    limiter.refund('a', 80);
    expect(limiter.take('a', 100).ok).toBe(true);
    limiter.refund('a', 500);
    expect(limiter.take('a', 100).ok).toBe(true);
    expect(limiter.take('a', 1).ok).toBe(false);
  });

  it('prunes buckets that refilled and caps the number of keys', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ perSecond: 1, burst: 1 }, () => now, 10);
    for (let i = 0; i < 25; i++) limiter.take(`k${i}`);
    expect(limiter.size).toBeLessThanOrEqual(10);
    now = 5_000;
    expect(limiter.prune()).toBeGreaterThan(0);
    expect(limiter.size).toBe(0);
  });
});
