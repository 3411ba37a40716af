/**
 * What the PostgreSQL store checks when it opens: the server's durability
 * settings (refused before any table is created) and which schema it uses
 * when none is configured.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresDurability } from '../../src/storage/postgres-connection.js';
import { PostgresRelayStore } from '../../src/storage/postgres-store.js';
import { RelayStoreError, RelayStoreErrorCode } from '../../src/storage/relay-store-errors.js';
import { dropTestSchema, newTestSchemaName, TEST_POSTGRES_URL, withTestClient } from './postgres-harness.js';
import { rejectionOf } from './relay-store-contract.js';

const DURABLE = { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on', server_version: '15' };

/** The test URL with a search_path of its own, set through the URL as an operator could. */
function urlWithSearchPath(schema: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.href;
}

describe('PostgreSQL store start-up', () => {
  const schemas: string[] = [];
  afterEach(async () => {
    await Promise.all(schemas.splice(0).map((schema) => dropTestSchema(schema)));
  });

  it('promises crash and power-loss safety only with the settings that give them', () => {
    expect(postgresDurability(DURABLE)).toMatchObject({ survivesProcessCrash: true, survivesPowerLoss: true });
    expect(postgresDurability({ ...DURABLE, synchronous_commit: 'local' })).toMatchObject({ survivesPowerLoss: true });
    expect(postgresDurability({ ...DURABLE, full_page_writes: 'off' })).toMatchObject({ survivesPowerLoss: false });
  });

  it('refuses a server that could lose acknowledged commits', () => {
    for (const weak of [{ fsync: 'off' }, { synchronous_commit: 'off' }]) {
      let error: unknown;
      try {
        postgresDurability({ ...DURABLE, ...weak });
      } catch (thrown) {
        error = thrown;
      }
      expect(RelayStoreError.is(error, RelayStoreErrorCode.DurabilityMismatch)).toBe(true);
    }
  });

  it('reports the live server’s settings and the schema it uses', async () => {
    const schema = newTestSchemaName();
    schemas.push(schema);
    const store = new PostgresRelayStore({ connectionString: TEST_POSTGRES_URL, schema });
    try {
      const report = await store.init();
      expect(report).toMatchObject({ engine: 'postgres', settings: { fsync: 'on', schema } });
    } finally {
      await store.close();
    }
  });

  it('without a configured schema uses the search_path’s, and refuses one that names no existing schema', async () => {
    const schema = newTestSchemaName();
    schemas.push(schema);
    const missing = new PostgresRelayStore({ connectionString: urlWithSearchPath(schema) });
    const error = await rejectionOf(missing.init());
    expect(RelayStoreError.is(error, RelayStoreErrorCode.UnsupportedSetting)).toBe(true);

    await withTestClient((client) => client.query(`CREATE SCHEMA "${schema}"`));
    const store = new PostgresRelayStore({ connectionString: urlWithSearchPath(schema) });
    try {
      expect((await store.init()).settings.schema).toBe(schema);
      const tables = await withTestClient((client) =>
        client.query("SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'envelopes'", [
          schema,
        ]),
      );
      expect(tables.rowCount).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('runs under a role that owns its schema and may not create schemas', async () => {
    const schema = newTestSchemaName();
    const role = `${schema}_role`;
    schemas.push(schema);
    await withTestClient(async (client) => {
      await client.query(`CREATE ROLE "${role}" LOGIN`);
      await client.query(`CREATE SCHEMA "${schema}" AUTHORIZATION "${role}"`);
    });
    const url = new URL(TEST_POSTGRES_URL);
    url.username = role;
    const store = new PostgresRelayStore({ connectionString: url.href, schema });
    try {
      const canCreate = await withTestClient((client) =>
        client.query<{ allowed: boolean }>(
          "SELECT has_database_privilege($1, current_database(), 'CREATE') AS allowed",
          [role],
        ),
      );
      expect(canCreate.rows[0]?.allowed).toBe(false);
      await store.init();
      expect(await store.countEnvelopes()).toBe(0);
    } finally {
      await store.close();
      await dropTestSchema(schema);
      await withTestClient((client) => client.query(`DROP ROLE IF EXISTS "${role}"`));
    }
  });
});
