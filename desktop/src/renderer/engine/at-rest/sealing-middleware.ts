/**
 * The at-rest layer: a Dexie DBCore middleware at the bottom of the stack,
 * right above IndexedDB, that stores every row sealed (sealed-table.ts) and
 * hands rows back opened. Everything above it, Dexie's own hooks, liveQuery's
 * observation and cache included, and all engine code, sees plain records,
 * so a new record field or table needs no crypto code: fields are sealed,
 * indexed key paths are hashed unless the schema lists them as clear
 * (schema.ts, CLEAR_INDEX_VALUES).
 *
 * Crypto here is synchronous (row-sealer.ts, index-hasher.ts): an IndexedDB
 * transaction commits as soon as it waits on anything but its own requests.
 * No async functions either: results are mapped in `.then` on the promises
 * the layer below returns, as Dexie's own middlewares do, so Dexie's
 * transaction zone (which its hooks read) carries over.
 */
import type {
  DBCore,
  DBCoreCursor,
  DBCoreMutateRequest,
  DBCoreMutateResponse,
  DBCoreOpenCursorRequest,
  DBCoreQueryRequest,
  DBCoreQueryResponse,
  DBCoreTable,
  Middleware,
} from 'dexie';
import { IndexHasher } from './index-hasher.js';
import type { AtRestKeys } from './keys.js';
import { RowSealer } from './row-sealer.js';
import { SealedTable, type StoredRange } from './sealed-table.js';

type Row = Record<string, unknown>;

/** Below every Dexie middleware (the lowest of them is at -1). */
const SEALING_LEVEL = -10;

/** Per table, the indexed key paths stored as they are (order keys, counters); every other one is hashed. */
export type ClearIndexValues = Readonly<Record<string, readonly string[]>>;

export function sealingMiddleware(keys: AtRestKeys, clear: ClearIndexValues): Middleware<DBCore> {
  return {
    stack: 'dbcore',
    name: 'ParleySealedRows',
    level: SEALING_LEVEL,
    create: (down) => {
      const sealer = new RowSealer(keys.rowValue);
      const hasher = new IndexHasher(keys.indexValue);
      const tables = new Map<string, DBCoreTable>();
      return {
        ...down,
        table(name: string): DBCoreTable {
          const downTable = down.table(name);
          // Dexie's own bookkeeping tables ($meta) stay as Dexie writes them.
          if (name.startsWith('$')) return downTable;
          let table = tables.get(name);
          if (table === undefined) {
            const sealed = new SealedTable(downTable.schema, new Set(clear[name] ?? []), sealer, hasher);
            table = sealedTable(downTable, sealed);
            tables.set(name, table);
          }
          return table;
        },
      };
    },
  };
}

function sealedTable(down: DBCoreTable, table: SealedTable): DBCoreTable {
  const primaryKey = table.schema.primaryKey;
  const open = (stored: unknown): Row | undefined => (stored === undefined ? undefined : table.userRow(stored));

  function mutate(req: DBCoreMutateRequest): Promise<DBCoreMutateResponse> {
    if (req.type === 'deleteRange') {
      return down.mutate({ ...req, range: table.storedRange(primaryKey, req.range).range });
    }
    if (req.type === 'delete') {
      return down
        .mutate({ ...req, keys: req.keys.map((key) => table.storedKey(primaryKey, key)) })
        .then((response) => ({ ...response, results: req.keys }));
    }
    const values = req.values as Row[];
    return down.mutate({ ...req, values: values.map((value) => table.storedRow(value)) }).then((response) => {
      // Callers (and liveQuery's observation) get the keys they wrote, not their hashes.
      const results = (response.results ?? []).map((stored: unknown, i: number) =>
        stored === undefined || response.failures[i] !== undefined || !table.primaryKeyHashed()
          ? stored
          : table.userPrimaryKey(values[i] as Row),
      );
      return { ...response, results, lastResult: results[results.length - 1] };
    });
  }

  function query(req: DBCoreQueryRequest): Promise<DBCoreQueryResponse> {
    const { range } = table.storedRange(req.query.index, req.query.range);
    // Without values a query answers primary keys: hashed ones come back from the opened rows.
    const wantRows = req.values === true || table.primaryKeyHashed();
    return down.query({ ...req, values: wantRows, query: { ...req.query, range } }).then((response) => {
      if (!wantRows) return response;
      const rows = response.result.map((stored: unknown) => table.userRow(stored));
      return { result: req.values === true ? rows : rows.map((row) => table.userPrimaryKey(row)) };
    });
  }

  function openCursor(req: DBCoreOpenCursorRequest): Promise<DBCoreCursor | null> {
    const stored = table.storedRange(req.query.index, req.query.range);
    const wantRows = req.values === true || table.keysNeedRows(req.query.index, stored.pinned);
    return down
      .openCursor({ ...req, values: wantRows, query: { ...req.query, range: stored.range } })
      .then((cursor) => (cursor === null ? null : openedCursor(cursor, table, req, stored)));
  }

  return {
    ...down,
    mutate,
    query,
    openCursor,
    get: (req) => down.get({ ...req, key: table.storedKey(primaryKey, req.key) }).then(open),
    getMany: (req) =>
      down
        .getMany({ ...req, keys: req.keys.map((key) => table.storedKey(primaryKey, key)) })
        .then((rows) => rows.map((stored: unknown) => open(stored ?? undefined))),
    count: (req) =>
      down.count({ ...req, query: { ...req.query, range: table.storedRange(req.query.index, req.query.range).range } }),
  };
}

/** A cursor over stored rows that reads as one over plain records (keys in user form, values opened). */
function openedCursor(
  cursor: DBCoreCursor,
  table: SealedTable,
  req: DBCoreOpenCursorRequest,
  stored: StoredRange,
): DBCoreCursor {
  const index = req.query.index;
  let openedFrom: unknown;
  let opened: Row | undefined;
  const row = (): Row => {
    const raw: unknown = cursor.value;
    if (opened === undefined || raw !== openedFrom) {
      opened = table.userRow(raw);
      openedFrom = raw;
    }
    return opened;
  };
  const primaryKey = (): unknown => (table.primaryKeyHashed() ? table.userPrimaryKey(row()) : cursor.primaryKey);
  return Object.create(cursor, {
    key: {
      get: () =>
        index.isPrimaryKey === true ? primaryKey() : table.userIndexKey(index, cursor.key, stored.pinned, row),
    },
    primaryKey: { get: primaryKey },
    value: { get: () => (req.values === true ? row() : undefined) },
    continue: {
      value: (key?: unknown) => (key === undefined ? cursor.continue() : cursor.continue(table.storedKey(index, key))),
    },
    continuePrimaryKey: {
      value: (key: unknown, primary: unknown) =>
        cursor.continuePrimaryKey(table.storedKey(index, key), table.storedKey(table.schema.primaryKey, primary)),
    },
  }) as DBCoreCursor;
}
