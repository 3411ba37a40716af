/**
 * The SQLite schema, as numbered migrations. The database's `user_version`
 * is the number of the last migration applied; opening runs the missing ones
 * in one IMMEDIATE transaction (so two processes starting together cannot
 * both migrate) and refuses a database from a newer relay. Migrations are
 * append-only: never edit one that has shipped, add the next.
 *
 * Keys, signatures and challenges are BLOBs (a quarter smaller than their
 * base64 text; rarely read). Envelope content, the hot path, stays the
 * base64 text it arrives as: measured equally fast to insert, faster to
 * fetch (no encoding), and handed back byte-for-byte without a check
 * (docs/relay.md, "Storage internals", has the figures). Tables are STRICT
 * so a wrong type is an error instead of a silent conversion.
 */
import type Database from 'better-sqlite3';
import { RelayStoreError, RelayStoreErrorCode } from './relay-store-errors.js';

export interface SchemaMigration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

const SCHEMA_V1 = `
CREATE TABLE accounts (
  account_id   TEXT    NOT NULL PRIMARY KEY,
  identity_key BLOB    NOT NULL,
  created_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The signed prekey and the last-resort Kyber prekey: exactly one of each per
-- device, replaced in place, so they live on the device row.
CREATE TABLE devices (
  account_id                  TEXT    NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  device_id                   INTEGER NOT NULL,
  registration_id             INTEGER NOT NULL,
  created_at                  INTEGER NOT NULL,
  signed_prekey_id            INTEGER NOT NULL,
  signed_prekey               BLOB    NOT NULL,
  signed_prekey_signature     BLOB    NOT NULL,
  last_resort_kyber_id        INTEGER NOT NULL,
  last_resort_kyber_prekey    BLOB    NOT NULL,
  last_resort_kyber_signature BLOB    NOT NULL,
  PRIMARY KEY (account_id, device_id)
) STRICT;

CREATE TABLE one_time_prekeys (
  account_id TEXT    NOT NULL,
  device_id  INTEGER NOT NULL,
  key_id     INTEGER NOT NULL,
  public_key BLOB    NOT NULL,
  PRIMARY KEY (account_id, device_id, key_id),
  FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Kyber keys are ~1.6 KB, too large for a WITHOUT ROWID table to pay off.
CREATE TABLE kyber_prekeys (
  account_id TEXT    NOT NULL,
  device_id  INTEGER NOT NULL,
  key_id     INTEGER NOT NULL,
  public_key BLOB    NOT NULL,
  signature  BLOB    NOT NULL,
  PRIMARY KEY (account_id, device_id, key_id),
  FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
) STRICT;

-- content is the base64 text as received, handed back unchanged.
-- seq is the drain cursor. AUTOINCREMENT keeps the highest seq ever used in
-- sqlite_sequence, so a seq is never reused after its envelope is deleted and
-- a device's queue never goes backwards. Envelopes carry no foreign key to
-- devices on purpose: the server checks recipients before a send, and a batch
-- must not fail because one recipient deleted its account meanwhile (the
-- server erases again after pending commits; expiry catches the rest).
CREATE TABLE envelopes (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  id               TEXT    NOT NULL UNIQUE,
  recipient        TEXT    NOT NULL,
  device_id        INTEGER NOT NULL,
  type             TEXT    NOT NULL CHECK (type IN ('prekey', 'message', 'sealed')),
  source_account   TEXT,
  source_device    INTEGER,
  content          TEXT    NOT NULL,
  server_timestamp INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL,
  CHECK ((source_account IS NULL) = (source_device IS NULL))
) STRICT;
CREATE INDEX envelopes_by_queue ON envelopes (recipient, device_id, seq);
CREATE INDEX envelopes_by_expiry ON envelopes (expires_at);
-- Only for account deletion, which withdraws the account's undelivered
-- unsealed envelopes (they name it); sealed envelopes are not indexed.
CREATE INDEX envelopes_by_source ON envelopes (source_account) WHERE source_account IS NOT NULL;

-- No foreign key: a challenge is issued before the account registers.
CREATE TABLE challenges (
  challenge  BLOB    NOT NULL PRIMARY KEY,
  account_id TEXT    NOT NULL,
  device_id  INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX challenges_by_account ON challenges (account_id);
CREATE INDEX challenges_by_expiry ON challenges (expires_at);
`;

/**
 * Decoded bytes of a base64 `content` column, from its length and padding:
 * the SQL twin of crypto-core's base64DecodedLength (a test holds them equal).
 */
export function decodedLengthSql(column: string): string {
  return `(length(${column}) / 4 * 3 - CASE WHEN substr(${column}, -2) = '==' THEN 2 WHEN substr(${column}, -1) = '=' THEN 1 ELSE 0 END)`;
}

const SCHEMA_V2 = `
-- What each device's queue holds, kept exact by triggers, so that every way an
-- envelope goes (acknowledged, expired, its account or its sender's deleted,
-- another process) updates it, and a send's limit check is one lookup. Rows
-- exist only for non-empty queues.
CREATE TABLE queue_usage (
  recipient TEXT    NOT NULL,
  device_id INTEGER NOT NULL,
  envelopes INTEGER NOT NULL,
  bytes     INTEGER NOT NULL,
  PRIMARY KEY (recipient, device_id)
) STRICT, WITHOUT ROWID;
INSERT INTO queue_usage (recipient, device_id, envelopes, bytes)
  SELECT recipient, device_id, count(*), sum(${decodedLengthSql('content')}) FROM envelopes GROUP BY recipient, device_id;
CREATE TRIGGER envelopes_queue_usage_insert AFTER INSERT ON envelopes BEGIN
  INSERT INTO queue_usage (recipient, device_id, envelopes, bytes)
  VALUES (NEW.recipient, NEW.device_id, 1, ${decodedLengthSql('NEW.content')})
  ON CONFLICT (recipient, device_id) DO UPDATE SET envelopes = envelopes + 1, bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER envelopes_queue_usage_delete AFTER DELETE ON envelopes BEGIN
  UPDATE queue_usage SET envelopes = envelopes - 1, bytes = bytes - ${decodedLengthSql('OLD.content')}
  WHERE recipient = OLD.recipient AND device_id = OLD.device_id;
  DELETE FROM queue_usage WHERE recipient = OLD.recipient AND device_id = OLD.device_id AND envelopes <= 0;
END;

-- Bytes each account stored through sends, per UTC day (days since the epoch),
-- for the daily quota. Only today's rows matter; the sweep removes older ones.
CREATE TABLE send_usage (
  account_id TEXT    NOT NULL,
  day        INTEGER NOT NULL,
  bytes      INTEGER NOT NULL,
  PRIMARY KEY (account_id, day)
) STRICT, WITHOUT ROWID;
CREATE INDEX send_usage_by_day ON send_usage (day);

-- One-time invite codes: only the SHA-256 of each, so the database (or a copy
-- of it) admits no one. A registration consumes its code in its own transaction.
CREATE TABLE invites (
  code_hash  BLOB    NOT NULL PRIMARY KEY,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX invites_by_expiry ON invites (expires_at);
`;

// One install holds a device (docs/protocol.md §3.1). installation_id is the
// install that registered it last: NULL for devices registered before this
// migration, which the next registration (necessarily a restore) takes over.
// generation is new at every registration and tokens carry it; existing
// devices get a random one, and tokens from before carry none, so their
// holders simply log in again.
const SCHEMA_V3 = `
ALTER TABLE devices ADD COLUMN installation_id BLOB;
ALTER TABLE devices ADD COLUMN generation BLOB NOT NULL DEFAULT x'';
UPDATE devices SET generation = randomblob(16);
`;

// Access keys (docs/protocol.md, "Reaching an account"): only the SHA-256 of
// each, so a copy of the database lets no one send. A row exists once the
// account registered its keys; deleting the account deletes it (cascade).
const SCHEMA_V4 = `
CREATE TABLE access_keys (
  account_id       TEXT    NOT NULL PRIMARY KEY REFERENCES accounts (account_id) ON DELETE CASCADE,
  code_key_hash    BLOB    NOT NULL,
  contact_key_hash BLOB    NOT NULL
) STRICT, WITHOUT ROWID;
`;

export const SCHEMA_MIGRATIONS: readonly SchemaMigration[] = [
  { version: 1, description: 'accounts, devices, prekeys, envelope queues, challenges', sql: SCHEMA_V1 },
  { version: 2, description: 'queue usage, daily send usage, invite codes', sql: SCHEMA_V2 },
  {
    version: 3,
    description: "devices: the install holding each one, and its registration's generation",
    sql: SCHEMA_V3,
  },
  { version: 4, description: "access keys: the hashes of each account's code and contact keys", sql: SCHEMA_V4 },
];

export const LATEST_SCHEMA_VERSION = SCHEMA_MIGRATIONS.length;

export interface MigrationResult {
  readonly from: number;
  readonly to: number;
}

function readUserVersion(db: Database.Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/** Brings the schema to LATEST_SCHEMA_VERSION; throws SCHEMA_TOO_NEW for a database from a newer relay. */
export function migrateSchema(db: Database.Database): MigrationResult {
  const migrate = db.transaction((): MigrationResult => {
    const from = readUserVersion(db);
    if (from > LATEST_SCHEMA_VERSION) {
      throw new RelayStoreError(
        RelayStoreErrorCode.SchemaTooNew,
        `the database has schema version ${from}, newer than this relay's ${LATEST_SCHEMA_VERSION}: run a newer relay or restore a backup`,
      );
    }
    for (const migration of SCHEMA_MIGRATIONS) {
      if (migration.version <= from) continue;
      db.exec(migration.sql);
      // user_version lives in the database header and commits with the transaction.
      db.pragma(`user_version = ${migration.version}`);
    }
    return { from, to: LATEST_SCHEMA_VERSION };
  });
  return migrate.immediate();
}
