/** Backoff, the monotonic clock, typing state and its throttle. */

import type { AccountId } from '@parley/crypto-core/wire';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Backoff, backoffDelay } from '../../src/renderer/engine/backoff.js';
import { MonotonicClock } from '../../src/renderer/engine/clock.js';
import { TypingThrottle, TypingTracker } from '../../src/renderer/engine/typing.js';

const options = { initialMs: 100, maxMs: 2000, multiplier: 2, jitter: 0.5 };

describe('backoff', () => {
  it('grows exponentially and stays bounded', () => {
    const noJitter = { ...options, jitter: 0 };
    expect([0, 1, 2, 3, 4, 5, 10, 100].map((attempt) => backoffDelay(noJitter, attempt))).toEqual([
      100, 200, 400, 800, 1600, 2000, 2000, 2000,
    ]);
  });

  it('jitters within [1 - jitter, 1] of the delay', () => {
    expect(backoffDelay(options, 3, () => 0)).toBe(800);
    expect(backoffDelay(options, 3, () => 1)).toBe(400);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(options, 3);
      expect(delay).toBeGreaterThanOrEqual(400);
      expect(delay).toBeLessThanOrEqual(800);
    }
  });

  it('counts failures until reset', () => {
    const backoff = new Backoff({ ...options, jitter: 0 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 200, 400]);
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });
});

describe('MonotonicClock', () => {
  it('never repeats or goes back, even when the wall clock does', () => {
    let wall = 1000;
    const clock = new MonotonicClock({ now: () => wall });
    const seen = [clock.now(), clock.now()];
    wall = 500;
    seen.push(clock.now());
    wall = 5000;
    seen.push(clock.now());
    expect(seen).toEqual([1000, 1001, 1002, 5000]);
    clock.advancePast(9000);
    expect(clock.now()).toBe(9001);
  });
});

describe('typing', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const bob = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' as AccountId;
  const carol = 'cccccccccccccccccccccccccccccccc' as AccountId;

  it('tracks who types where, expiring each entry on its own', () => {
    vi.useFakeTimers();
    const tracker = new TypingTracker({ expireAfterMs: 1000, resendStartedAfterMs: 500 });
    const states: string[] = [];
    tracker.state.subscribe((state) => states.push(JSON.stringify([...state])));
    tracker.update('c1', bob, 'started');
    vi.advanceTimersByTime(600);
    tracker.update('c1', carol, 'started');
    expect(tracker.state.value.get('c1')).toEqual([bob, carol]);
    vi.advanceTimersByTime(500);
    expect(tracker.state.value.get('c1')).toEqual([carol]);
    tracker.update('c1', carol, 'stopped');
    expect(tracker.state.value.size).toBe(0);
    tracker.update('c2', bob, 'started');
    tracker.clear('c2', bob);
    expect(tracker.state.value.size).toBe(0);
    expect(states[0]).toBe('[]');
    tracker.stop();
  });

  it('throttles "started" and owes "stopped" only after a "started"', () => {
    let now = 0;
    const throttle = new TypingThrottle({ now: () => now }, { expireAfterMs: 15_000, resendStartedAfterMs: 10_000 });
    expect(throttle.next('c1', false)).toBeNull();
    expect(throttle.next('c1', true)).toBe('started');
    now = 5000;
    expect(throttle.next('c1', true)).toBeNull();
    now = 10_000;
    expect(throttle.next('c1', true)).toBe('started');
    expect(throttle.next('c1', false)).toBe('stopped');
    expect(throttle.next('c1', false)).toBeNull();
    expect(throttle.next('c1', true)).toBe('started');
    throttle.messageSent('c1');
    expect(throttle.next('c1', false)).toBeNull();
  });
});
