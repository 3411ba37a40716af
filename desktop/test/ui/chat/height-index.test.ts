import { describe, expect, it } from 'vitest';
import { HeightIndex } from '../../../src/renderer/app/chat/height-index.js';

function index(keys: string[], estimates: number[]): HeightIndex {
  const heights = new HeightIndex();
  heights.setRows(keys, estimates);
  return heights;
}

describe('HeightIndex', () => {
  it('sums estimates into offsets and finds the row at a pixel', () => {
    const heights = index(['a', 'b', 'c'], [10, 20, 30]);
    expect([0, 1, 2, 3].map((i) => heights.offsetOf(i))).toEqual([0, 10, 30, 60]);
    expect(heights.total).toBe(60);
    expect(heights.indexAt(0)).toBe(0);
    expect(heights.indexAt(9.9)).toBe(0);
    expect(heights.indexAt(10)).toBe(1);
    expect(heights.indexAt(59)).toBe(2);
    expect(heights.indexAt(1000)).toBe(2);
    expect(heights.indexAt(-5)).toBe(0);
  });

  it('prefers measurements, and keeps them for rows that stay when the rows change', () => {
    const heights = index(['a', 'b', 'c'], [10, 20, 30]);
    expect(heights.measure('b', 50)).toBe(true);
    expect(heights.measure('b', 50)).toBe(false);
    expect(heights.offsetOf(2)).toBe(60);
    // An older page arrives in front: 'b' keeps its measured height, 'c' is dropped.
    heights.setRows(['y', 'z', 'a', 'b'], [5, 5, 10, 20]);
    expect(heights.isMeasured('b')).toBe(true);
    expect(heights.total).toBe(5 + 5 + 10 + 50);
    expect(heights.indexOf('a')).toBe(2);
    expect(heights.measure('c', 99)).toBe(false);
    heights.setRows(['a', 'b', 'c'], [10, 20, 30]);
    expect(heights.isMeasured('c')).toBe(false);
  });

  it('forgets every measurement when asked (the width changed)', () => {
    const heights = index(['a', 'b'], [10, 10]);
    heights.measure('a', 40);
    heights.forgetMeasurements();
    expect(heights.total).toBe(20);
  });

  it('handles no rows and refuses a mismatched estimate list', () => {
    const heights = index([], []);
    expect(heights.indexAt(10)).toBe(-1);
    expect(heights.total).toBe(0);
    expect(() => heights.setRows(['a'], [])).toThrow(RangeError);
  });

  it('finds rows by binary search in a large window', () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `m${i}`);
    const heights = index(
      keys,
      keys.map(() => 40),
    );
    expect(heights.indexAt(40 * 54_321 + 1)).toBe(54_321);
    expect(heights.indexAt(40 * 100_000)).toBe(99_999);
    heights.measure('m0', 440);
    expect(heights.indexAt(40 * 54_321 + 1)).toBe(54_311);
  });
});
