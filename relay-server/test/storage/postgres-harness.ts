/**
 * PostgreSQL for the storage tests: the machine's server (CI starts it;
 * PARLEY_TEST_POSTGRES_URL overrides where it is), and a fresh schema of a
 * random name per store, dropped after, so test files running in parallel
 * never see each other's rows. A server that does not answer fails the
 * tests: nothing here skips.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresRelayStore, type PostgresRelayStoreOptions } from '../../src/storage/postgres-store.js';
import type { RelayStoreHarness, ResidueNeedles } from './relay-store-contract.js';
import { matchesIn } from './sqlite-inspection.js';

export const TEST_POSTGRES_URL = process.env.PARLEY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema name no other test uses. */
export function newTestSchemaName(): string {
  return `parley_test_${randomBytes(8).toString('hex')}`;
}

/** Runs `work` with a plain client on the test database (no schema set), closing it after. */
export async function withTestClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function dropTestSchema(schema: string): Promise<void> {
  await withTestClient((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}

export function newPostgresStore(schema: string, options: Partial<PostgresRelayStoreOptions> = {}): PostgresRelayStore {
  return new PostgresRelayStore({ connectionString: TEST_POSTGRES_URL, schema, ...options });
}

/** "table.column" for every value in the schema's tables that contains a needle. */
export async function findResidueInSchema(schema: string, needles: ResidueNeedles): Promise<string[]> {
  return withTestClient(async (client) => {
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1",
      [schema],
    );
    const found = new Set<string>();
    for (const { table_name: table } of tables.rows) {
      const { rows } = await client.query<Record<string, unknown>>(`SELECT * FROM "${schema}"."${table}"`);
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) {
          if (matchesIn(value, needles)) found.add(`${table}.${column}`);
        }
      }
    }
    return [...found];
  });
}

/** The contract harness: a store on a fresh schema, which dispose() drops. */
export async function postgresHarness(): Promise<RelayStoreHarness> {
  const schema = newTestSchemaName();
  return {
    store: newPostgresStore(schema),
    findResidue: (needles) => findResidueInSchema(schema, needles),
    dispose: () => dropTestSchema(schema),
  };
}
