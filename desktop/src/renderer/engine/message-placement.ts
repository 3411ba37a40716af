/**
 * Gives every message written without a position its place in its
 * conversation (message-positions.ts), so writers keep writing sort keys and
 * never compute positions. A Dexie DBCore middleware at the top of the stack:
 * liveQuery's observation below it sees the position, so a history window
 * over [conversationId+position] hears about the new row.
 *
 * For each conversation a write touches: the stored tail is read backwards
 * (one row when the new messages are the newest, as they nearly always are)
 * until a message that sorts before all of them; each run of new messages
 * between two stored neighbours gets positions between theirs. Writes that
 * place messages run one after another within a transaction. As in the
 * at-rest layer, no async functions: `.then` on the promises from below keeps
 * Dexie's transaction zone.
 */
import type { DBCore, DBCoreIndex, DBCoreMutateRequest, DBCoreTable, DBCoreTransaction, Middleware } from 'dexie';
import { positionsBetween } from './message-positions.js';

const PLACEMENT_LEVEL = 10;
const MESSAGES = 'messages';
const POSITION_INDEX = ['conversationId', 'position'];
/** Highest position bound: above every position (positions are base-62 digits). */
const ABOVE_EVERY_POSITION = '\uffff';

interface Placeable {
  readonly conversationId: string;
  readonly sortKey: string;
  position?: string;
}

interface StoredNeighbour {
  readonly sortKey: string;
  readonly position: string;
}

function needsPlace(value: unknown): boolean {
  return (value as Placeable).position === undefined;
}

export function messagePlacementMiddleware(): Middleware<DBCore> {
  return {
    stack: 'dbcore',
    name: 'ParleyMessagePlacement',
    level: PLACEMENT_LEVEL,
    create: (down) => ({
      ...down,
      table(name: string): DBCoreTable {
        const table = down.table(name);
        return name === MESSAGES ? placingTable(table) : table;
      },
    }),
  };
}

function placingTable(table: DBCoreTable): DBCoreTable {
  const index = table.schema.getIndexByKeyPath(POSITION_INDEX);
  if (index === undefined) return table;
  const chains = new WeakMap<DBCoreTransaction, Promise<unknown>>();
  return {
    ...table,
    mutate(req: DBCoreMutateRequest) {
      if ((req.type !== 'add' && req.type !== 'put') || !req.values.some(needsPlace)) return table.mutate(req);
      const values = req.values as Placeable[];
      const write = () =>
        place(table, index, req.trans, values).then((placed) => table.mutate({ ...req, values: placed }));
      const previous = chains.get(req.trans);
      const run = previous === undefined ? write() : previous.then(write, write);
      chains.set(req.trans, run);
      return run;
    },
  };
}

function place(
  table: DBCoreTable,
  index: DBCoreIndex,
  trans: DBCoreTransaction,
  values: readonly Placeable[],
): Promise<Placeable[]> {
  const placed = values.map((value) => ({ ...value }));
  const byConversation = new Map<string, Placeable[]>();
  for (const value of placed) {
    if (!needsPlace(value)) continue;
    const group = byConversation.get(value.conversationId) ?? [];
    group.push(value);
    byConversation.set(value.conversationId, group);
  }
  const placing = [...byConversation].map(([conversationId, group]) => {
    group.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    const first = group[0] as Placeable;
    return storedTail(table, index, trans, conversationId, first.sortKey, ABOVE_EVERY_POSITION, 1).then((tail) =>
      assign(tail.reverse(), group),
    );
  });
  return Promise.all(placing).then(() => placed);
}

/**
 * The conversation's stored messages below `upper`, newest first, down to
 * the last one that sorts before `sortKey` (or to the start): one row first,
 * then eight times more per step.
 */
function storedTail(
  table: DBCoreTable,
  index: DBCoreIndex,
  trans: DBCoreTransaction,
  conversationId: string,
  sortKey: string,
  upper: string,
  limit: number,
): Promise<StoredNeighbour[]> {
  return table
    .query({
      trans,
      values: true,
      limit,
      direction: 'prev',
      query: {
        index,
        range: { type: 2, lower: [conversationId, ''], upper: [conversationId, upper], upperOpen: true },
      },
    })
    .then(({ result }) => {
      const rows = result as StoredNeighbour[];
      const oldest = rows[rows.length - 1];
      if (oldest === undefined || rows.length < limit || oldest.sortKey < sortKey) return rows;
      return storedTail(table, index, trans, conversationId, sortKey, oldest.position, limit * 8).then((older) => [
        ...rows,
        ...older,
      ]);
    });
}

/** Positions for `group` (sorted) among `stored` (sorted); stored first on equal sort keys. */
function assign(stored: readonly StoredNeighbour[], group: readonly Placeable[]): void {
  let s = 0;
  let g = 0;
  let lower: string | null = null;
  while (g < group.length) {
    const next = stored[s];
    const item = group[g];
    if (item === undefined) break;
    if (next !== undefined && next.sortKey <= item.sortKey) {
      lower = next.position;
      s++;
      continue;
    }
    const run: Placeable[] = [];
    while (g < group.length) {
      const candidate = group[g];
      if (candidate === undefined || (next !== undefined && next.sortKey <= candidate.sortKey)) break;
      run.push(candidate);
      g++;
    }
    const positions = positionsBetween(lower, next?.position ?? null, run.length);
    run.forEach((value, i) => {
      value.position = positions[i];
    });
    lower = positions[positions.length - 1] ?? lower;
  }
}
