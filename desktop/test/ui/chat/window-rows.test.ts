import { describe, expect, it } from 'vitest';
import {
  insertWithin,
  liveRestartKey,
  patchRow,
  withLiveRows,
  withNewerPage,
  withOlderPage,
} from '../../../src/renderer/app/chat/window-rows.js';

const budget = { pageSize: 100, maxRows: 300 };
interface Row {
  readonly id: string;
  readonly position: string;
  readonly state?: string;
}
const rows = (from: number, count: number): Row[] =>
  Array.from({ length: count }, (_, i) => ({ id: `m${from + i}`, position: `k${String(from + i).padStart(6, '0')}` }));
const ids = (list: readonly Row[] | null) => (list ?? []).map((row) => row.id);

describe('window rows', () => {
  it('prepends an older page under the budget and keeps the live tail', () => {
    const live = rows(1000, 100);
    const paged = withOlderPage({ settled: [], live }, rows(900, 100), budget);
    expect(paged.trimmed).toBe(false);
    expect(ids(paged.settled)).toEqual(ids(rows(900, 100)));
    expect(paged.live).toBe(live);
  });

  it('drops the newest rows past the budget when paging older, the live tail first', () => {
    const paged = withOlderPage({ settled: rows(900, 200), live: rows(1100, 50) }, rows(800, 100), budget);
    expect(paged.trimmed).toBe(true);
    expect(paged.live).toBeNull();
    expect(ids(paged.settled)).toEqual(ids(rows(800, 300)));
  });

  it('drops the oldest rows past the budget when paging newer', () => {
    const paged = withNewerPage(rows(1000, 300), rows(1300, 100), budget);
    expect(paged.trimmed).toBe(true);
    expect(ids(paged.settled)).toEqual(ids(rows(1100, 300)));
    expect(withNewerPage(rows(1000, 100), rows(1100, 100), budget).trimmed).toBe(false);
  });

  it('takes the live rows after the settled ones and trims the top while the tail grows', () => {
    const settled = rows(1000, 300);
    // The live query starts at the last settled row (inclusive).
    const joined = withLiveRows(settled, rows(1299, 51), budget);
    expect(ids(joined.live)).toEqual(ids(rows(1300, 50)));
    expect(joined.settled).toBe(settled);
    expect(joined.trimmed).toBe(false);
    const grown = withLiveRows(settled, rows(1299, 151), budget);
    expect(grown.trimmed).toBe(true);
    expect(grown.settled.length + (grown.live?.length ?? 0)).toBe(400);
    expect(grown.settled[0]?.id).toBe('m1050');
  });

  it('restarts the live query nearer the end once the tail outgrows the budget', () => {
    expect(liveRestartKey(rows(0, 400), budget)).toBeNull();
    expect(liveRestartKey(rows(0, 401), budget)).toBe('k000101');
  });

  it('patches one row and leaves the array alone when nothing changes', () => {
    const list = rows(0, 3);
    const patched = patchRow(list, 'm1', (row) => ({ ...row, state: 'read' }));
    expect(patched).not.toBe(list);
    expect(patched[1]?.state).toBe('read');
    expect(patched[0]).toBe(list[0]);
    expect(patchRow(list, 'nope', (row) => ({ ...row, state: 'read' }))).toBe(list);
    expect(patchRow(list, 'm1', (row) => row)).toBe(list);
  });

  it('inserts a late message only where it sorts between loaded rows', () => {
    const list = rows(0, 3);
    const late = { id: 'late', position: 'k000001a' };
    expect(ids(insertWithin(list, late))).toEqual(['m0', 'm1', 'late', 'm2']);
    expect(insertWithin(list, { id: 'after', position: 'k000009' })).toBe(list);
    expect(insertWithin(list, { id: 'before', position: 'k' })).toBe(list);
    expect(insertWithin(list, { id: 'm1', position: 'k000001' })).toBe(list);
  });
});
