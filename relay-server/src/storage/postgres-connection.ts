/**
 * The PostgreSQL store's connection pool: created from a URL, with bigint
 * columns read as numbers (every one the relay stores, a ms timestamp or a
 * seq, is far below 2^53), an optional schema as the search_path, the
 * schema migrated at open (postgres-migrations.ts), and the server's
 * durability settings read back and checked.
 *
 * A transaction PostgreSQL aborts for a deadlock or a serialization failure
 * did nothing, and is run again, a bounded number of times, each retry
 * counted. That is a safety net only: every transaction of the store takes
 * its row locks in one order (postgres-queue-locks.ts), so sends and
 * acknowledgements never deadlock, and the store runs at READ COMMITTED,
 * where only a path that breaks the order could need it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { isSchemaName, migratePostgresSchema } from './postgres-migrations.js';
import type { DurabilityReport, TransactionRetries } from './relay-store.js';
import { RelayStoreError, RelayStoreErrorCode } from './relay-store-errors.js';

export interface PostgresConnectionSettings {
  /** postgres://user@host:port/database (libpq URL; `?sslmode=` and the like as pg understands them). */
  readonly connectionString: string;
  /** Schema for the relay's tables (created if missing); default: the connection's own search_path ("public"). */
  readonly schema?: string | undefined;
  /** Most connections this store opens at once (default 10). */
  readonly maxConnections?: number | undefined;
  /** How the connections name themselves in pg_stat_activity (default parley-relay). */
  readonly applicationName?: string | undefined;
}

export const DEFAULT_POSTGRES_MAX_CONNECTIONS = 10;
/** How long a call waits for a pooled connection (a new one included) before it fails. */
export const CONNECT_TIMEOUT_MS = 5_000;
const INT8_OID = 20;
/** Attempts of a transaction that PostgreSQL aborted for a deadlock or serialization failure. */
export const TRANSACTION_ATTEMPTS = 4;
/** Longest random pause before a retry, times the attempt number (so two colliding transactions part). */
const RETRY_JITTER_MS = 10;
/** The SQLSTATEs retried, and the TransactionRetries field each one counts in. */
const RETRIED_SQLSTATES: ReadonlyMap<string, keyof TransactionRetries> = new Map([
  ['40P01', 'deadlock'],
  ['40001', 'serializationFailure'],
]);

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? Number
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Node's codes for a connection that could not be made or was cut. */
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * True when `error` says PostgreSQL could not be reached rather than that a
 * statement failed: a refused or cut connection, no pooled connection within
 * CONNECT_TIMEOUT_MS, SQLSTATE class 08 (connection exception) or a server
 * shutting down or starting (57P01 to 57P03). The relay answers those with
 * UNAVAILABLE, which clients retry. pg gives the cut and the pool timeout no
 * code, only these messages.
 */
export function isPostgresUnreachable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return true;
  const state = sqlState(error);
  if (state !== undefined && (state.startsWith('08') || ['57P01', '57P02', '57P03'].includes(state))) return true;
  const message = error instanceof Error ? error.message : '';
  return (
    message.startsWith('Connection terminated') ||
    message === 'timeout exceeded when trying to connect' ||
    message === 'Client has encountered a connection error and is not queryable'
  );
}

export function isUniqueViolationOf(error: unknown, constraint: string): boolean {
  return sqlState(error) === '23505' && (error as { constraint?: unknown }).constraint === constraint;
}

export interface PostgresConnection {
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly durability: DurabilityReport;
}

/** Retries counted per cause; what a store reports as its transactionRetries(). */
export class RetryCounter {
  readonly #counts = { deadlock: 0, serializationFailure: 0 };

  count(cause: keyof TransactionRetries): void {
    this.#counts[cause]++;
  }

  snapshot(): TransactionRetries {
    return { ...this.#counts };
  }
}

/**
 * Runs `work` in one transaction on one pooled client. After a deadlock or
 * serialization failure (the transaction was rolled back whole) it runs it
 * again after a short random pause, at most TRANSACTION_ATTEMPTS times in
 * all, counting each retry in `retries`; the last failure is thrown.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  retries?: RetryCounter,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    // The pool listens for errors of idle clients only: a checked-out client
    // whose connection drops between two queries of this transaction (a
    // server restart) emits 'error', which without a listener would crash
    // the node. The query in progress fails on its own; the client is discarded.
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      const cause = RETRIED_SQLSTATES.get(sqlState(error) ?? '');
      if (attempt >= TRANSACTION_ATTEMPTS || cause === undefined) throw error;
      retries?.count(cause);
    } finally {
      // A client whose rollback failed, or whose connection dropped, is discarded, not handed to the next caller.
      client.off('error', onError);
      client.release(broken);
    }
    await sleep(Math.random() * RETRY_JITTER_MS * attempt);
  }
}

/**
 * What the server's settings promise, or DURABILITY_MISMATCH when they could
 * lose an acknowledged commit: fsync=off, or synchronous_commit=off (the
 * server then acknowledges commits it may lose in a crash, and the relay
 * would ack envelopes it could lose).
 */
export function postgresDurability(settings: Readonly<Record<string, string>>): DurabilityReport {
  if (settings.fsync !== 'on' || settings.synchronous_commit === 'off') {
    throw new RelayStoreError(
      RelayStoreErrorCode.DurabilityMismatch,
      `PostgreSQL has fsync=${settings.fsync} and synchronous_commit=${settings.synchronous_commit}: the relay acknowledges an envelope only once it is durable, so it needs fsync=on and synchronous_commit other than off`,
    );
  }
  return {
    engine: 'postgres',
    survivesProcessCrash: true,
    survivesPowerLoss: settings.full_page_writes === 'on',
    settings,
  };
}

/** The settings as a relay connection sees them (server, database and role defaults included). */
async function readDurability(client: pg.PoolClient): Promise<DurabilityReport> {
  const { rows } = await client.query<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings
     WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'server_version')`,
  );
  return postgresDurability(Object.fromEntries(rows.map((row) => [row.name, row.setting])));
}

/** The schema to use: the configured one, or the first of the connection's search_path that exists. */
async function schemaOf(client: pg.PoolClient, configured: string | undefined): Promise<string> {
  if (configured !== undefined) return configured;
  const { rows } = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
  const schema = rows[0]?.schema ?? null;
  if (schema === null) {
    throw new RelayStoreError(
      RelayStoreErrorCode.UnsupportedSetting,
      "no schema of the connection's search_path exists: name one with --postgres-schema (it is created if missing)",
    );
  }
  return schema;
}

/** Opens the pool, migrates the schema and checks durability; closes the pool again when any of that fails. */
export async function openPostgresConnection(settings: PostgresConnectionSettings): Promise<PostgresConnection> {
  if (settings.schema !== undefined && !isSchemaName(settings.schema)) {
    throw new RelayStoreError(
      RelayStoreErrorCode.UnsupportedSetting,
      `PostgreSQL schema ${JSON.stringify(settings.schema)} is not a plain lower-case name (letters, digits, _)`,
    );
  }
  const pool = new pg.Pool({
    connectionString: settings.connectionString,
    max: settings.maxConnections ?? DEFAULT_POSTGRES_MAX_CONNECTIONS,
    // A server that does not answer fails the call (UNAVAILABLE to the client) instead of holding it for ever.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    application_name: settings.applicationName ?? 'parley-relay',
    types,
    ...(settings.schema === undefined ? {} : { options: `-c search_path=${settings.schema}` }),
  });
  // An idle client losing its server (a restart) must not crash the relay:
  // the pool drops it and the next query opens a new one.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      // Checked before the schema is touched: a server that could lose commits gets no tables.
      const durability = await readDurability(client);
      const schema = await schemaOf(client, settings.schema);
      await migratePostgresSchema(client, schema);
      return { pool, schema, durability: { ...durability, settings: { ...durability.settings, schema } } };
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
}
