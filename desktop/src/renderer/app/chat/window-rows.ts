/**
 * Which rows of a long conversation are loaded (see README.md): *settled*
 * rows, read once a page at a time and patched in place by engine events,
 * followed (while the window reaches the newest message) by the *live* tail
 * a liveQuery keeps current. Paging adds a page at one end and, past the
 * row budget, drops rows at the other, so the number of decrypted rows held
 * stays bounded however far the user scrolls. Pure: the reads are the
 * caller's (HistoryWindow).
 */

export interface WindowBudget {
  /** Rows one page adds. */
  readonly pageSize: number;
  /** Most rows to hold after paging; paging past it drops rows from the far end. */
  readonly maxRows: number;
}

export interface KeyedRow {
  readonly id: string;
  readonly position: string;
}

export interface LoadedRows<Row extends KeyedRow> {
  /** Read once, oldest first; every key sorts before the live tail's. */
  readonly settled: readonly Row[];
  /** The tail the liveQuery keeps current, up to the newest message; null: the window ends before it. */
  readonly live: readonly Row[] | null;
}

export interface PagedRows<Row extends KeyedRow> extends LoadedRows<Row> {
  /** Rows were dropped from the other end (there is more that way now). */
  readonly trimmed: boolean;
}

/** An older page before the loaded rows; past the budget the newest rows go, the live tail first (its query is dropped). */
export function withOlderPage<Row extends KeyedRow>(
  loaded: LoadedRows<Row>,
  page: readonly Row[],
  budget: WindowBudget,
): PagedRows<Row> {
  const live = loaded.live ?? [];
  if (page.length + loaded.settled.length + live.length <= budget.maxRows) {
    return { settled: [...page, ...loaded.settled], live: loaded.live, trimmed: false };
  }
  const settled = [...page, ...loaded.settled, ...live].slice(0, budget.maxRows);
  return { settled, live: null, trimmed: true };
}

/** A newer page after settled rows (the window ends before the newest); past the budget the oldest rows go. */
export function withNewerPage<Row extends KeyedRow>(
  settled: readonly Row[],
  page: readonly Row[],
  budget: WindowBudget,
): PagedRows<Row> {
  const all = [...settled, ...page];
  const trimmed = all.length > budget.maxRows;
  return { settled: trimmed ? all.slice(all.length - budget.maxRows) : all, live: null, trimmed };
}

/**
 * A new result of the live query: its rows after the settled ones (the query
 * may start at the last settled row). While the tail grows with new
 * messages, settled rows beyond maxRows + pageSize in all drop from the top.
 */
export function withLiveRows<Row extends KeyedRow>(
  settled: readonly Row[],
  liveResult: readonly Row[],
  budget: WindowBudget,
): PagedRows<Row> {
  const lastSettled = settled.at(-1)?.position;
  const live = lastSettled === undefined ? liveResult : liveResult.filter((row) => row.position > lastSettled);
  const excess = settled.length + live.length - (budget.maxRows + budget.pageSize);
  if (excess <= 0 || settled.length === 0) return { settled, live, trimmed: false };
  return { settled: settled.slice(Math.min(excess, settled.length)), live, trimmed: true };
}

/** Where the live query should restart so it holds maxRows (it grew past maxRows + pageSize); null: no need. */
export function liveRestartKey<Row extends KeyedRow>(live: readonly Row[], budget: WindowBudget): string | null {
  if (live.length <= budget.maxRows + budget.pageSize) return null;
  return live[live.length - budget.maxRows]?.position ?? null;
}

/** The rows with one replaced by `update(row)` (same array when the id is not loaded or nothing changed). */
export function patchRow<Row extends KeyedRow>(
  rows: readonly Row[],
  id: string,
  update: (row: Row) => Row,
): readonly Row[] {
  const index = rows.findIndex((row) => row.id === id);
  const row = rows[index];
  if (row === undefined) return rows;
  const next = update(row);
  if (next === row) return rows;
  const copy = rows.slice();
  copy[index] = next;
  return copy;
}

/** A row inserted by sort key when it falls inside the rows (not before the first or after the last); same array otherwise. */
export function insertWithin<Row extends KeyedRow>(rows: readonly Row[], row: Row): readonly Row[] {
  const first = rows[0];
  const last = rows.at(-1);
  if (first === undefined || last === undefined || row.position <= first.position || row.position >= last.position) {
    return rows;
  }
  if (rows.some((existing) => existing.id === row.id)) return rows;
  const index = rows.findIndex((existing) => existing.position > row.position);
  return [...rows.slice(0, index), row, ...rows.slice(index)];
}
