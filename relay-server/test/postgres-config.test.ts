/**
 * Choosing PostgreSQL: --postgres / PARLEY_RELAY_POSTGRES_URL and
 * --postgres-schema, how they combine with --store, a URL's password never
 * echoed, and the commands that take them (invite, migrate-to-postgres)
 * through the real bin.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../src/config.js';
import { storeConfigOf } from '../src/storage/index.js';
import { runBinAsync } from './run-bin.js';
import { dropTestSchema, newTestSchemaName, TEST_POSTGRES_URL, withTestClient } from './storage/postgres-harness.js';

describe('PostgreSQL configuration', () => {
  it('keeps SQLite without a URL, and takes PostgreSQL from the flag or the environment', () => {
    const sqlite = resolveConfig({}, {}, '/srv');
    expect(sqlite).toMatchObject({ store: 'sqlite', postgresUrl: undefined, postgresSchema: undefined });
    expect(storeConfigOf(sqlite)).toMatchObject({ kind: 'sqlite', dataDir: '/srv/.data/relay' });

    const url = 'postgres://parley@db.example.org/parley';
    const fromFlag = resolveConfig({ postgresUrl: url, postgresSchema: 'relay_one' }, {}, '/srv');
    expect(fromFlag).toMatchObject({ store: 'postgres', postgresUrl: url, postgresSchema: 'relay_one' });
    expect(storeConfigOf(fromFlag)).toEqual({ kind: 'postgres', connectionString: url, schema: 'relay_one' });
    const fromEnv = resolveConfig({}, { PARLEY_RELAY_POSTGRES_URL: url, PARLEY_RELAY_STORE: 'postgres' }, '/srv');
    expect(fromEnv).toMatchObject({ store: 'postgres', postgresUrl: url });
  });

  it('refuses --store postgres without a URL, and another store with one', () => {
    expect(() => resolveConfig({ store: 'postgres' }, {}, '/x')).toThrow(/--store postgres needs --postgres URL/);
    const both = () => resolveConfig({ store: 'memory', postgresUrl: 'postgres://h/d' }, {}, '/x');
    expect(both).toThrow(ConfigError);
    expect(both).toThrow(/--store memory cannot go with it/);
    expect(() => resolveConfig({ postgresSchema: 'Has-Dash' }, {}, '/x')).toThrow(/--postgres-schema/);
  });

  it('never repeats a URL it refuses, which may hold a password', () => {
    const refuse = () => resolveConfig({ postgresUrl: 'mysql://parley:hunter2@db/parley' }, {}, '/x');
    expect(refuse).toThrow(/--postgres must be a postgres:\/\/ URL/);
    let message = '';
    try {
      refuse();
    } catch (error) {
      message = String(error);
    }
    expect(message).not.toContain('hunter2');
  });

  it('invite writes its codes to PostgreSQL when given --postgres', async () => {
    const schema = newTestSchemaName();
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-relay-pg-invite-'));
    try {
      const made = await runBinAsync(['invite', '--count', '2', '--data-dir', dataDir, ...postgresArgs(schema)]);
      expect(made.code).toBe(0);
      expect(made.stdout.trim().split('\n')).toHaveLength(2);
      expect(made.stderr).toContain('for the relay on PostgreSQL');
      const { rows } = await withTestClient((client) =>
        client.query<{ count: string }>(`SELECT count(*) AS count FROM "${schema}".invites`),
      );
      expect(Number(rows[0]?.count)).toBe(2);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await dropTestSchema(schema);
    }
  });

  it('migrate-to-postgres needs --postgres and an existing SQLite relay (exit 2)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-relay-pg-migrate-'));
    try {
      const noTarget = await runBinAsync(['migrate-to-postgres', '--data-dir', dataDir]);
      expect(noTarget.code).toBe(2);
      expect(noTarget.stderr).toContain('--postgres URL');
      const noSource = await runBinAsync(['migrate-to-postgres', '--data-dir', dataDir, ...postgresArgs('unused')]);
      expect(noSource.code).toBe(2);
      expect(noSource.stderr).toContain('no relay database at');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

function postgresArgs(schema: string): string[] {
  return ['--postgres', TEST_POSTGRES_URL, '--postgres-schema', schema];
}
