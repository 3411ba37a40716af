/**
 * The PostgreSQL schema, as numbered migrations recorded in
 * `relay_schema_migrations`. Every node runs `migratePostgresSchema` at start:
 * it takes a transaction-scoped advisory lock named after the schema, so
 * nodes starting together migrate one after the other (the second finds the
 * work done), and refuses a schema from a newer relay. Migrations are
 * append-only: never edit one that has shipped, add the next.
 *
 * The tables mirror the SQLite schema (sqlite-migrations.ts), with these
 * differences for several nodes and clients writing at once:
 * - `seq` comes from one sequence, never reused, and a send takes its queue's
 *   `queue_usage` row lock before drawing it (postgres-sends.ts says why that
 *   makes seq order the commit order within a queue).
 * - Each envelope keeps its decoded size (`content_bytes`), so the
 *   statement-level triggers that keep `queue_usage` exact only add numbers.
 * - The trigger functions keep the search_path they were created under, so
 *   a delete by any client (an operator's psql on another search_path)
 *   keeps the usage exact.
 * - `queue_usage` rows stay at zero when a queue empties (a send locks its
 *   queue's row, so the row should outlive an empty queue); account erasure
 *   removes the account's rows.
 */
import type { PoolClient } from 'pg';
import { RelayStoreError, RelayStoreErrorCode } from './relay-store-errors.js';

export interface PostgresMigration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

const SCHEMA_V1 = `
CREATE TABLE accounts (
  account_id   text   NOT NULL PRIMARY KEY,
  identity_key bytea  NOT NULL,
  created_at   bigint NOT NULL
);

CREATE TABLE devices (
  account_id                  text    NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  device_id                   integer NOT NULL,
  registration_id             integer NOT NULL,
  created_at                  bigint  NOT NULL,
  installation_id             bytea,
  generation                  bytea   NOT NULL,
  signed_prekey_id            integer NOT NULL,
  signed_prekey               bytea   NOT NULL,
  signed_prekey_signature     bytea   NOT NULL,
  last_resort_kyber_id        integer NOT NULL,
  last_resort_kyber_prekey    bytea   NOT NULL,
  last_resort_kyber_signature bytea   NOT NULL,
  PRIMARY KEY (account_id, device_id)
);

CREATE TABLE one_time_prekeys (
  account_id text    NOT NULL,
  device_id  integer NOT NULL,
  key_id     integer NOT NULL,
  public_key bytea   NOT NULL,
  PRIMARY KEY (account_id, device_id, key_id),
  FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
);

CREATE TABLE kyber_prekeys (
  account_id text    NOT NULL,
  device_id  integer NOT NULL,
  key_id     integer NOT NULL,
  public_key bytea   NOT NULL,
  signature  bytea   NOT NULL,
  PRIMARY KEY (account_id, device_id, key_id),
  FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
);

CREATE TABLE access_keys (
  account_id       text  NOT NULL PRIMARY KEY REFERENCES accounts (account_id) ON DELETE CASCADE,
  code_key_hash    bytea NOT NULL,
  contact_key_hash bytea NOT NULL
);

CREATE SEQUENCE envelope_seq AS bigint;

-- No foreign key to devices, as in SQLite: the server checks recipients before a send.
CREATE TABLE envelopes (
  seq              bigint  NOT NULL PRIMARY KEY,
  id               text    NOT NULL UNIQUE,
  recipient        text    NOT NULL,
  device_id        integer NOT NULL,
  type             text    NOT NULL CHECK (type IN ('prekey', 'message', 'sealed')),
  source_account   text,
  source_device    integer,
  content          text    NOT NULL,
  content_bytes    integer NOT NULL,
  server_timestamp bigint  NOT NULL,
  expires_at       bigint  NOT NULL,
  CHECK ((source_account IS NULL) = (source_device IS NULL))
);
CREATE INDEX envelopes_by_queue ON envelopes (recipient, device_id, seq);
CREATE INDEX envelopes_by_expiry ON envelopes (expires_at);
CREATE INDEX envelopes_by_source ON envelopes (source_account) WHERE source_account IS NOT NULL;

CREATE TABLE queue_usage (
  recipient text    NOT NULL,
  device_id integer NOT NULL,
  envelopes bigint  NOT NULL,
  bytes     bigint  NOT NULL,
  PRIMARY KEY (recipient, device_id)
);

CREATE FUNCTION envelopes_added() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO queue_usage AS q (recipient, device_id, envelopes, bytes)
    SELECT recipient, device_id, count(*), sum(content_bytes) FROM added GROUP BY recipient, device_id
    ORDER BY recipient, device_id
  ON CONFLICT (recipient, device_id) DO UPDATE
    SET envelopes = q.envelopes + excluded.envelopes, bytes = q.bytes + excluded.bytes;
  RETURN NULL;
END $$;
CREATE TRIGGER envelopes_queue_usage_insert AFTER INSERT ON envelopes
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION envelopes_added();

CREATE FUNCTION envelopes_removed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE queue_usage AS q SET envelopes = q.envelopes - r.envelopes, bytes = q.bytes - r.bytes
  FROM (SELECT recipient, device_id, count(*) AS envelopes, sum(content_bytes) AS bytes
        FROM removed GROUP BY recipient, device_id) AS r
  WHERE q.recipient = r.recipient AND q.device_id = r.device_id;
  RETURN NULL;
END $$;
CREATE TRIGGER envelopes_queue_usage_delete AFTER DELETE ON envelopes
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION envelopes_removed();

CREATE TABLE send_usage (
  account_id text    NOT NULL,
  day        integer NOT NULL,
  bytes      bigint  NOT NULL,
  PRIMARY KEY (account_id, day)
);
CREATE INDEX send_usage_by_day ON send_usage (day);

CREATE TABLE invites (
  code_hash  bytea  NOT NULL PRIMARY KEY,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX invites_by_expiry ON invites (expires_at);

CREATE TABLE challenges (
  challenge  bytea   NOT NULL PRIMARY KEY,
  account_id text    NOT NULL,
  device_id  integer NOT NULL,
  expires_at bigint  NOT NULL
);
CREATE INDEX challenges_by_account ON challenges (account_id);
CREATE INDEX challenges_by_expiry ON challenges (expires_at);
`;

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: 'accounts, devices, prekeys, access keys, envelope queues and usage, send usage, invites, challenges',
    sql: SCHEMA_V1,
  },
];

export const LATEST_POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;

export interface PostgresMigrationResult {
  readonly from: number;
  readonly to: number;
}

/**
 * Brings `schema` (created if missing) to the latest version in one
 * transaction under an advisory lock; throws SCHEMA_TOO_NEW for a schema
 * from a newer relay. The client's search_path must name `schema`.
 */
export async function migratePostgresSchema(client: PoolClient, schema: string): Promise<PostgresMigrationResult> {
  await client.query('BEGIN');
  try {
    // Held until COMMIT or ROLLBACK; keyed by the schema, so relays on other schemas never wait.
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended('parley-relay-schema:' || $1, 0))", [schema]);
    // Only when missing: CREATE SCHEMA needs the database's CREATE privilege even with IF NOT EXISTS,
    // which a role given just its own existing schema does not have.
    const existing = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (existing.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS relay_schema_migrations (
         version     integer     NOT NULL PRIMARY KEY,
         description text        NOT NULL,
         applied_at  timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const current = await client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM relay_schema_migrations',
    );
    const from = current.rows[0]?.version ?? 0;
    if (from > LATEST_POSTGRES_SCHEMA_VERSION) {
      throw new RelayStoreError(
        RelayStoreErrorCode.SchemaTooNew,
        `the PostgreSQL schema ${schema} has version ${from}, newer than this relay's ${LATEST_POSTGRES_SCHEMA_VERSION}: run a newer relay`,
      );
    }
    for (const migration of POSTGRES_MIGRATIONS) {
      if (migration.version <= from) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO relay_schema_migrations (version, description) VALUES ($1, $2)', [
        migration.version,
        migration.description,
      ]);
    }
    await client.query('COMMIT');
    return { from, to: LATEST_POSTGRES_SCHEMA_VERSION };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** A schema name the relay accepts: lower-case letters, digits and underscores (no quoting surprises). */
export function isSchemaName(name: string): boolean {
  return IDENTIFIER.test(name);
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
