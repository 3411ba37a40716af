import { describe, expect, it } from 'vitest';
import { HeightIndex } from '../../../src/renderer/app/chat/height-index.js';
import {
  anchoredScrollTop,
  captureAnchor,
  isAtBottom,
  lastVisibleIndex,
  pagingNeed,
  renderRange,
} from '../../../src/renderer/app/chat/viewport-math.js';

function rows(count: number, height = 50): HeightIndex {
  const heights = new HeightIndex();
  heights.setRows(
    Array.from({ length: count }, (_, i) => `r${i}`),
    Array.from({ length: count }, () => height),
  );
  return heights;
}

describe('renderRange', () => {
  it('covers the viewport plus the overscan on both sides', () => {
    const heights = rows(100);
    expect(renderRange(heights, { scrollTop: 1000, height: 500 }, 200)).toEqual({ start: 16, end: 35 });
    expect(renderRange(heights, { scrollTop: 0, height: 500 }, 200)).toEqual({ start: 0, end: 15 });
    expect(renderRange(heights, { scrollTop: 4600, height: 500 }, 200)).toEqual({ start: 88, end: 100 });
    expect(renderRange(rows(0), { scrollTop: 0, height: 500 }, 200)).toEqual({ start: 0, end: 0 });
  });
});

describe('anchors', () => {
  it('keep the row being read in place when older rows arrive above it', () => {
    const heights = rows(100);
    const anchor = captureAnchor(heights, 1020);
    expect(anchor).toEqual({ key: 'r20', offset: -20 });
    // 100 older rows of 30 px arrive in front.
    const keys = [...Array.from({ length: 100 }, (_, i) => `o${i}`), ...Array.from({ length: 100 }, (_, i) => `r${i}`)];
    heights.setRows(keys, [...Array(100).fill(30), ...Array(100).fill(50)]);
    expect(anchoredScrollTop(heights, anchor ?? { key: '', offset: 0 })).toBe(3000 + 1020);
  });

  it('follow a measurement above the anchor, and report a row that is gone', () => {
    const heights = rows(10);
    const anchor = { key: 'r5', offset: 10 };
    expect(anchoredScrollTop(heights, anchor)).toBe(240);
    heights.measure('r1', 150);
    expect(anchoredScrollTop(heights, anchor)).toBe(340);
    expect(anchoredScrollTop(heights, { key: 'gone', offset: 0 })).toBeNull();
    expect(captureAnchor(rows(0), 0)).toBeNull();
  });
});

describe('isAtBottom and pagingNeed', () => {
  it('counts a view within the slack of the end as at the bottom', () => {
    expect(isAtBottom({ scrollTop: 480, height: 500 }, 1000, 24)).toBe(true);
    expect(isAtBottom({ scrollTop: 470, height: 500 }, 1000, 24)).toBe(false);
  });

  it('asks for older or newer rows only near an end that has more', () => {
    const window = { hasOlder: true, hasNewer: true };
    expect(pagingNeed({ start: 10, end: 30 }, 500, window, 40)).toEqual({ older: true, newer: false });
    expect(pagingNeed({ start: 400, end: 470 }, 500, window, 40)).toEqual({ older: false, newer: true });
    expect(pagingNeed({ start: 0, end: 500 }, 500, { hasOlder: false, hasNewer: false }, 40)).toEqual({
      older: false,
      newer: false,
    });
  });
});

describe('lastVisibleIndex', () => {
  it('is the last row shown by at least the minimum, or whole when it is shorter', () => {
    const heights = rows(100);
    // 1000..1500 shows rows 20..29 whole.
    expect(lastVisibleIndex(heights, { scrollTop: 1000, height: 500 }, 24)).toBe(29);
    // Row 30 shows 10 px of 50: not seen yet; at 30 px it is.
    expect(lastVisibleIndex(heights, { scrollTop: 1010, height: 500 }, 24)).toBe(29);
    expect(lastVisibleIndex(heights, { scrollTop: 1030, height: 500 }, 24)).toBe(30);
    // At the bottom: the last row.
    expect(lastVisibleIndex(heights, { scrollTop: 4600, height: 500 }, 24)).toBe(99);
    // A short row counts once all of it shows.
    const short = rows(10, 10);
    expect(lastVisibleIndex(short, { scrollTop: 0, height: 55 }, 24)).toBe(4);
    expect(lastVisibleIndex(short, { scrollTop: 0, height: 60 }, 24)).toBe(5);
  });

  it('is -1 for no rows, no viewport, or rows all above it', () => {
    expect(lastVisibleIndex(rows(0), { scrollTop: 0, height: 500 }, 24)).toBe(-1);
    expect(lastVisibleIndex(rows(10), { scrollTop: 0, height: 0 }, 24)).toBe(-1);
    expect(lastVisibleIndex(rows(10), { scrollTop: 600, height: 100 }, 24)).toBe(-1);
  });
});
