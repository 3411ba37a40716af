/**
 * Copies a stopped SQLite relay's database into PostgreSQL, for
 * `parley-relay migrate-to-postgres` (migrate-command.ts).
 *
 * The SQLite database is first brought to its latest schema (as the relay
 * itself would at start), then read in one read transaction, so the copy is
 * one consistent snapshot. Everything is written in ONE PostgreSQL
 * transaction: the row counts of every table are compared inside it before
 * COMMIT, and any difference rolls the whole copy back. The target must hold
 * no relay data: a copy never merges into a relay that already runs (to
 * start over, drop the schema or name another one).
 *
 * Envelopes keep their seqs (so every queue keeps its order) and the
 * sequence is moved past the highest SQLite ever handed out; queue usage is rebuilt by the
 * PostgreSQL triggers from the envelopes and checked against SQLite's.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { inTransaction, openPostgresConnection, type PostgresConnectionSettings } from './postgres-connection.js';
import { RelayStoreError, RelayStoreErrorCode } from './relay-store-errors.js';
import { SqliteConnectionStore } from './sqlite-connection-store.js';
import { DEFAULT_DATABASE_FILE } from './sqlite-files.js';
import { envelopeBytes } from './store-limits.js';

type Row = Record<string, unknown>;

interface CopiedTable {
  readonly table: string;
  /** Column name and PostgreSQL type, in the order both tables share. */
  readonly columns: readonly (readonly [string, string])[];
  /** A column PostgreSQL has and SQLite derives (name, type, value). */
  readonly derived?: readonly [string, string, (row: Row) => unknown];
}

/** In foreign-key order. queue_usage is not copied: the triggers rebuild it (and it is checked). */
const COPIED_TABLES: readonly CopiedTable[] = [
  {
    table: 'accounts',
    columns: [
      ['account_id', 'text'],
      ['identity_key', 'bytea'],
      ['created_at', 'bigint'],
    ],
  },
  {
    table: 'devices',
    columns: [
      ['account_id', 'text'],
      ['device_id', 'integer'],
      ['registration_id', 'integer'],
      ['created_at', 'bigint'],
      ['installation_id', 'bytea'],
      ['generation', 'bytea'],
      ['signed_prekey_id', 'integer'],
      ['signed_prekey', 'bytea'],
      ['signed_prekey_signature', 'bytea'],
      ['last_resort_kyber_id', 'integer'],
      ['last_resort_kyber_prekey', 'bytea'],
      ['last_resort_kyber_signature', 'bytea'],
    ],
  },
  {
    table: 'one_time_prekeys',
    columns: [
      ['account_id', 'text'],
      ['device_id', 'integer'],
      ['key_id', 'integer'],
      ['public_key', 'bytea'],
    ],
  },
  {
    table: 'kyber_prekeys',
    columns: [
      ['account_id', 'text'],
      ['device_id', 'integer'],
      ['key_id', 'integer'],
      ['public_key', 'bytea'],
      ['signature', 'bytea'],
    ],
  },
  {
    table: 'access_keys',
    columns: [
      ['account_id', 'text'],
      ['code_key_hash', 'bytea'],
      ['contact_key_hash', 'bytea'],
    ],
  },
  {
    table: 'envelopes',
    columns: [
      ['seq', 'bigint'],
      ['id', 'text'],
      ['recipient', 'text'],
      ['device_id', 'integer'],
      ['type', 'text'],
      ['source_account', 'text'],
      ['source_device', 'integer'],
      ['content', 'text'],
      ['server_timestamp', 'bigint'],
      ['expires_at', 'bigint'],
    ],
    derived: ['content_bytes', 'integer', (row) => envelopeBytes({ content: String(row.content) })],
  },
  {
    table: 'send_usage',
    columns: [
      ['account_id', 'text'],
      ['day', 'integer'],
      ['bytes', 'bigint'],
    ],
  },
  {
    table: 'invites',
    columns: [
      ['code_hash', 'bytea'],
      ['created_at', 'bigint'],
      ['expires_at', 'bigint'],
    ],
  },
  {
    table: 'challenges',
    columns: [
      ['challenge', 'bytea'],
      ['account_id', 'text'],
      ['device_id', 'integer'],
      ['expires_at', 'bigint'],
    ],
  },
];

/** Rows per INSERT. */
const COPY_CHUNK_ROWS = 500;

export interface TableCount {
  readonly table: string;
  readonly sqlite: number;
  readonly postgres: number;
}

export interface MigrationOptions {
  readonly dataDir: string;
  readonly postgres: PostgresConnectionSettings;
  /** Called with each table's counts as it is verified. */
  readonly onTable?: ((count: TableCount) => void) | undefined;
}

function countMismatch(message: string): RelayStoreError {
  return new RelayStoreError(RelayStoreErrorCode.MigrationCountMismatch, message);
}

async function insertChunk(client: pg.PoolClient, spec: CopiedTable, rows: readonly Row[]): Promise<void> {
  const columns = spec.derived === undefined ? spec.columns : [...spec.columns, [spec.derived[0], spec.derived[1]]];
  const values: unknown[][] = spec.columns.map(([name]) => rows.map((row) => row[name] ?? null));
  if (spec.derived !== undefined) values.push(rows.map(spec.derived[2]));
  const names = columns.map(([name]) => name).join(', ');
  const arrays = columns.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ');
  await client.query(`INSERT INTO ${spec.table} (${names}) SELECT * FROM unnest(${arrays})`, values);
}

/** The relay tables of the target that already hold rows. */
async function nonEmptyTables(client: pg.PoolClient): Promise<string[]> {
  const found: string[] = [];
  for (const { table } of COPIED_TABLES) {
    const { rows } = await client.query(`SELECT 1 FROM ${table} LIMIT 1`);
    if (rows.length > 0) found.push(table);
  }
  return found;
}

/**
 * Copies everything, verifies the counts and commits; throws (committing
 * nothing) when the target holds data or a count differs.
 */
export async function migrateSqliteToPostgres(options: MigrationOptions): Promise<TableCount[]> {
  // Brings the SQLite schema up to date exactly as a relay start would.
  const sqliteStore = new SqliteConnectionStore({ dataDir: options.dataDir });
  await sqliteStore.init();
  await sqliteStore.close();
  const db = new Database(join(options.dataDir, DEFAULT_DATABASE_FILE), { readonly: true, fileMustExist: true });
  const connection = await openPostgresConnection(options.postgres);
  try {
    db.exec('BEGIN'); // One snapshot of SQLite for every table.
    return await inTransaction(connection.pool, async (client) => {
      const occupied = await nonEmptyTables(client);
      if (occupied.length > 0) {
        throw new RelayStoreError(
          RelayStoreErrorCode.MigrationTargetNotEmpty,
          `PostgreSQL schema ${connection.schema} already holds relay data (${occupied.join(', ')}): migrate into an empty schema (drop it, or choose another with --postgres-schema)`,
        );
      }
      const counts: TableCount[] = [];
      for (const spec of COPIED_TABLES) {
        const select = db.prepare<[], Row>(`SELECT * FROM ${spec.table}`);
        let chunk: Row[] = [];
        let copied = 0;
        for (const row of select.iterate()) {
          chunk.push(row);
          if (chunk.length === COPY_CHUNK_ROWS) {
            await insertChunk(client, spec, chunk);
            copied += chunk.length;
            chunk = [];
          }
        }
        if (chunk.length > 0) await insertChunk(client, spec, chunk);
        copied += chunk.length;
        const sqliteCount = db.prepare<[], { count: number }>(`SELECT count(*) AS count FROM ${spec.table}`).get();
        const { rows } = await client.query<{ count: number }>(`SELECT count(*) AS count FROM ${spec.table}`);
        const count = { table: spec.table, sqlite: sqliteCount?.count ?? 0, postgres: rows[0]?.count ?? 0 };
        counts.push(count);
        options.onTable?.(count);
        if (count.sqlite !== count.postgres || count.sqlite !== copied) {
          throw countMismatch(
            `${spec.table}: ${count.sqlite} rows in SQLite, ${count.postgres} in PostgreSQL; nothing was committed`,
          );
        }
      }
      await verifyQueueUsage(db, client);
      // Seqs continue after the highest SQLite ever gave (AUTOINCREMENT keeps it in
      // sqlite_sequence, also once its envelope is gone), so no seq is used twice.
      const highest = db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'envelopes'").get();
      const copied = await client.query<{ seq: number | null }>('SELECT max(seq) AS seq FROM envelopes');
      const last = Math.max(highest?.seq ?? 0, copied.rows[0]?.seq ?? 0);
      // setval(1, false): nothing handed out yet, the next seq is 1.
      await client.query("SELECT setval('envelope_seq', $1, $2)", [Math.max(last, 1), last > 0]);
      return counts;
    });
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
    db.close();
    await connection.pool.end();
  }
}

/** The usage the triggers rebuilt must equal SQLite's, queue by queue (compared as totals and row counts). */
async function verifyQueueUsage(db: Database.Database, client: pg.PoolClient): Promise<void> {
  const sqlite = db
    .prepare<[], { queues: number; envelopes: number | null; bytes: number | null }>(
      'SELECT count(*) AS queues, sum(envelopes) AS envelopes, sum(bytes) AS bytes FROM queue_usage',
    )
    .get();
  const { rows } = await client.query<{ queues: number; envelopes: number; bytes: number }>(
    `SELECT count(*) AS queues, coalesce(sum(envelopes), 0)::bigint AS envelopes, coalesce(sum(bytes), 0)::bigint AS bytes
     FROM queue_usage WHERE envelopes > 0`,
  );
  const postgres = rows[0];
  const expected = { queues: sqlite?.queues ?? 0, envelopes: sqlite?.envelopes ?? 0, bytes: sqlite?.bytes ?? 0 };
  if (
    postgres === undefined ||
    postgres.queues !== expected.queues ||
    postgres.envelopes !== expected.envelopes ||
    postgres.bytes !== expected.bytes
  ) {
    throw countMismatch(
      `queue usage differs: SQLite ${JSON.stringify(expected)}, PostgreSQL ${JSON.stringify(postgres)}; nothing was committed`,
    );
  }
}
