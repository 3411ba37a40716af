/**
 * The windowing arithmetic of the history: which rows to render for a scroll
 * position, where to scroll so the row the user is reading stays put when
 * heights or rows change, and when to page more messages in. Pure, over a
 * HeightIndex-like view of row offsets.
 */

export interface RowOffsets {
  readonly count: number;
  readonly total: number;
  offsetOf(index: number): number;
  indexAt(y: number): number;
  indexOf(key: string): number;
  keyAt(index: number): string | undefined;
}

export interface Viewport {
  readonly scrollTop: number;
  readonly height: number;
}

/** Rows [start, end) to render: the visible ones plus `overscanPx` above and below. */
export interface RenderRange {
  readonly start: number;
  readonly end: number;
}

export function renderRange(rows: RowOffsets, viewport: Viewport, overscanPx: number): RenderRange {
  if (rows.count === 0) return { start: 0, end: 0 };
  const top = Math.max(0, viewport.scrollTop - overscanPx);
  const bottom = viewport.scrollTop + viewport.height + overscanPx;
  const start = rows.indexAt(top);
  const last = rows.indexAt(bottom);
  return { start, end: Math.min(rows.count, last + 1) };
}

/** The row the user is reading: its key and how far its top is below the viewport's top (negative when above). */
export interface Anchor {
  readonly key: string;
  readonly offset: number;
}

/** The first row whose bottom is below the viewport's top. */
export function captureAnchor(rows: RowOffsets, scrollTop: number): Anchor | null {
  const index = rows.indexAt(Math.max(0, scrollTop));
  const key = rows.keyAt(index);
  if (key === undefined) return null;
  return { key, offset: rows.offsetOf(index) - scrollTop };
}

/** The scrollTop that puts the anchor row back where it was; null when the row is gone. */
export function anchoredScrollTop(rows: RowOffsets, anchor: Anchor): number | null {
  const index = rows.indexOf(anchor.key);
  if (index < 0) return null;
  return Math.max(0, rows.offsetOf(index) - anchor.offset);
}

/**
 * The last row the viewport shows: at least `minVisiblePx` of it (all of it,
 * when it is shorter) lies inside the viewport. -1 when none does.
 */
export function lastVisibleIndex(rows: RowOffsets, viewport: Viewport, minVisiblePx: number): number {
  if (rows.count === 0 || viewport.height <= 0) return -1;
  const top = viewport.scrollTop;
  const bottom = top + viewport.height;
  for (let index = Math.min(rows.count - 1, rows.indexAt(bottom)); index >= 0; index--) {
    const rowTop = rows.offsetOf(index);
    const rowBottom = rows.offsetOf(index + 1);
    if (rowBottom <= top) return -1;
    const shown = Math.min(rowBottom, bottom) - Math.max(rowTop, top);
    if (shown > 0 && shown >= Math.min(rowBottom - rowTop, minVisiblePx)) return index;
  }
  return -1;
}

/** Within `thresholdPx` of the end: the view follows new messages. */
export function isAtBottom(viewport: Viewport, contentHeight: number, thresholdPx: number): boolean {
  return viewport.scrollTop + viewport.height >= contentHeight - thresholdPx;
}

export interface PagingNeed {
  readonly older: boolean;
  readonly newer: boolean;
}

/** Page more in when the rendered rows come within `marginRows` of either end of the loaded window. */
export function pagingNeed(
  range: RenderRange,
  count: number,
  window: { readonly hasOlder: boolean; readonly hasNewer: boolean },
  marginRows: number,
): PagingNeed {
  return {
    older: window.hasOlder && range.start <= marginRows,
    newer: window.hasNewer && range.end >= count - marginRows,
  };
}
