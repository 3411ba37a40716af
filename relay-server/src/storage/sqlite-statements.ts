/**
 * Every SQL statement the SQLite store runs, prepared once per connection
 * (preparing costs more than running a small statement), with the shape of
 * its parameters and rows. The row types describe the schema in
 * sqlite-migrations.ts; keep them in step.
 */
import type Database from 'better-sqlite3';

export interface DeviceKey {
  readonly account: string;
  readonly device: number;
}

export interface OneTimeKeyParams extends DeviceKey {
  readonly keyId: number;
  readonly publicKey: Buffer;
}

/** A signed key (signed prekey, Kyber prekey): key plus signature. */
export interface SignedKeyParams extends OneTimeKeyParams {
  readonly signature: Buffer;
}

export interface ChallengeRow {
  readonly account_id: string;
  readonly device_id: number;
  readonly expires_at: number;
}

export interface AccountRow {
  readonly identity_key: Buffer;
  readonly created_at: number;
}

/** An account with one of its devices; the device columns are null for an account without devices. */
export interface AccountDeviceRow {
  readonly identity_key: Buffer;
  readonly created_at: number;
  readonly device_id: number | null;
  readonly registration_id: number | null;
  readonly device_created_at: number | null;
  readonly installation_id: Buffer | null;
  readonly generation: Buffer | null;
  /** Both null until the account registered access keys. */
  readonly code_key_hash: Buffer | null;
  readonly contact_key_hash: Buffer | null;
}

export interface AccessKeysParams {
  readonly account: string;
  readonly codeKeyHash: Buffer;
  readonly contactKeyHash: Buffer;
}

export interface DeviceInstallationRow {
  readonly installation_id: Buffer | null;
}

export interface DeviceRowParams {
  readonly account: string;
  readonly device: number;
  readonly installationId: Buffer;
  readonly generation: Buffer;
  readonly registrationId: number;
  readonly createdAt: number;
  readonly signedId: number;
  readonly signedKey: Buffer;
  readonly signedSignature: Buffer;
  readonly lastResortId: number;
  readonly lastResortKey: Buffer;
  readonly lastResortSignature: Buffer;
}

export interface BundleDeviceRow {
  readonly registration_id: number;
  readonly identity_key: Buffer;
  readonly signed_prekey_id: number;
  readonly signed_prekey: Buffer;
  readonly signed_prekey_signature: Buffer;
  readonly last_resort_kyber_id: number;
  readonly last_resort_kyber_prekey: Buffer;
  readonly last_resort_kyber_signature: Buffer;
}

export interface OneTimePreKeyRow {
  readonly key_id: number;
  readonly public_key: Buffer;
}

export interface KyberPreKeyRow {
  readonly key_id: number;
  readonly public_key: Buffer;
  readonly signature: Buffer;
}

export interface PreKeyCountRow {
  readonly pre_keys: number;
  readonly kyber_pre_keys: number;
}

export interface EnvelopeRowParams {
  readonly id: string;
  readonly recipient: string;
  readonly device: number;
  readonly type: string;
  readonly sourceAccount: string | null;
  readonly sourceDevice: number | null;
  readonly content: string;
  readonly serverTimestamp: number;
  readonly expiresAt: number;
}

export interface EnvelopeRow {
  readonly seq: number;
  readonly id: string;
  readonly type: string;
  readonly source_account: string | null;
  readonly source_device: number | null;
  readonly content: string;
  readonly server_timestamp: number;
  readonly expires_at: number;
}

export interface CountRow {
  readonly count: number;
}

export interface DataVersionRow {
  readonly data_version: number;
}

/** Rows a sweep removes per statement; between chunks the event loop gets a turn. */
export const SWEEP_CHUNK_ROWS = 1000;

/** Every statement, with the shape of its parameters and of its rows. */
export interface SqliteStatements {
  readonly insertChallenge: Database.Statement<[Buffer, string, number, number]>;
  readonly takeChallenge: Database.Statement<[Buffer], ChallengeRow>;
  readonly deleteExpiredChallengesChunk: Database.Statement<[number, number]>;
  readonly selectAccount: Database.Statement<[string], AccountRow>;
  readonly selectAccountWithDevices: Database.Statement<[string], AccountDeviceRow>;
  readonly insertAccount: Database.Statement<[string, Buffer, number]>;
  readonly upsertAccessKeys: Database.Statement<AccessKeysParams>;
  readonly selectDeviceInstallation: Database.Statement<DeviceKey, DeviceInstallationRow>;
  readonly upsertDevice: Database.Statement<DeviceRowParams>;
  readonly deleteQueueOf: Database.Statement<DeviceKey>;
  readonly deviceExists: Database.Statement<DeviceKey, CountRow>;
  readonly deleteAccount: Database.Statement<[string]>;
  readonly deleteEnvelopesTo: Database.Statement<[string]>;
  readonly deleteEnvelopesFrom: Database.Statement<[string]>;
  readonly deleteChallengesOf: Database.Statement<[string]>;
  readonly updateSignedPreKey: Database.Statement<SignedKeyParams>;
  readonly updateLastResortKyberPreKey: Database.Statement<SignedKeyParams>;
  readonly deletePreKeysOf: Database.Statement<DeviceKey>;
  readonly deleteKyberPreKeysOf: Database.Statement<DeviceKey>;
  readonly insertPreKey: Database.Statement<OneTimeKeyParams>;
  readonly insertKyberPreKey: Database.Statement<SignedKeyParams>;
  readonly countPreKeys: Database.Statement<DeviceKey, PreKeyCountRow>;
  readonly selectBundleDevice: Database.Statement<DeviceKey, BundleDeviceRow>;
  readonly takeLowestPreKey: Database.Statement<DeviceKey, OneTimePreKeyRow>;
  readonly takeLowestKyberPreKey: Database.Statement<DeviceKey, KyberPreKeyRow>;
  readonly insertEnvelope: Database.Statement<EnvelopeRowParams>;
  readonly selectEnvelopes: Database.Statement<[string, number, number, number, number], EnvelopeRow>;
  readonly deleteEnvelopesByIds: Database.Statement<[string, string, number]>;
  readonly deleteExpiredEnvelopesChunk: Database.Statement<[number, number]>;
  readonly countEnvelopes: Database.Statement<[], CountRow>;
  /** Changes whenever another connection (another process) commits: cached reads are stale then. */
  readonly dataVersion: Database.Statement<[], DataVersionRow>;
}

export function prepareStatements(db: Database.Database): SqliteStatements {
  return {
    insertChallenge: db.prepare<[Buffer, string, number, number]>(
      'INSERT INTO challenges (challenge, account_id, device_id, expires_at) VALUES (?, ?, ?, ?)',
    ),
    takeChallenge: db.prepare<[Buffer], ChallengeRow>(
      'DELETE FROM challenges WHERE challenge = ? RETURNING account_id, device_id, expires_at',
    ),
    deleteExpiredChallengesChunk: db.prepare<[number, number]>(
      `DELETE FROM challenges WHERE challenge IN
         (SELECT challenge FROM challenges WHERE expires_at <= ? LIMIT ?)`,
    ),

    selectAccount: db.prepare<[string], AccountRow>(
      'SELECT identity_key, created_at FROM accounts WHERE account_id = ?',
    ),
    // One statement instead of two in a read transaction: a statement reads
    // one snapshot on its own, and every send looks its recipient up, so the
    // BEGIN/COMMIT round trips showed in profiles.
    selectAccountWithDevices: db.prepare<[string], AccountDeviceRow>(
      `SELECT a.identity_key, a.created_at, d.device_id, d.registration_id, d.created_at AS device_created_at,
         d.installation_id, d.generation, k.code_key_hash, k.contact_key_hash
       FROM accounts AS a LEFT JOIN devices AS d ON d.account_id = a.account_id
         LEFT JOIN access_keys AS k ON k.account_id = a.account_id
       WHERE a.account_id = ?
       ORDER BY d.device_id`,
    ),
    insertAccount: db.prepare<[string, Buffer, number]>(
      'INSERT INTO accounts (account_id, identity_key, created_at) VALUES (?, ?, ?)',
    ),
    // Only for an existing account: the foreign key would refuse any other.
    upsertAccessKeys: db.prepare<AccessKeysParams>(
      `INSERT INTO access_keys (account_id, code_key_hash, contact_key_hash)
       SELECT account_id, @codeKeyHash, @contactKeyHash FROM accounts WHERE account_id = @account
       ON CONFLICT (account_id) DO UPDATE SET
         code_key_hash = excluded.code_key_hash, contact_key_hash = excluded.contact_key_hash`,
    ),
    selectDeviceInstallation: db.prepare<DeviceKey, DeviceInstallationRow>(
      'SELECT installation_id FROM devices WHERE account_id = @account AND device_id = @device',
    ),
    // An upsert, never INSERT OR REPLACE: REPLACE deletes the old row first,
    // and the delete would cascade to the device's keys.
    upsertDevice: db.prepare<DeviceRowParams>(
      `INSERT INTO devices (account_id, device_id, installation_id, generation, registration_id, created_at,
         signed_prekey_id, signed_prekey, signed_prekey_signature,
         last_resort_kyber_id, last_resort_kyber_prekey, last_resort_kyber_signature)
       VALUES (@account, @device, @installationId, @generation, @registrationId, @createdAt,
         @signedId, @signedKey, @signedSignature, @lastResortId, @lastResortKey, @lastResortSignature)
       ON CONFLICT (account_id, device_id) DO UPDATE SET
         installation_id = excluded.installation_id,
         generation = excluded.generation,
         registration_id = excluded.registration_id,
         signed_prekey_id = excluded.signed_prekey_id,
         signed_prekey = excluded.signed_prekey,
         signed_prekey_signature = excluded.signed_prekey_signature,
         last_resort_kyber_id = excluded.last_resort_kyber_id,
         last_resort_kyber_prekey = excluded.last_resort_kyber_prekey,
         last_resort_kyber_signature = excluded.last_resort_kyber_signature`,
    ),
    // A takeover: the queue is sealed to sessions the new install does not have.
    deleteQueueOf: db.prepare<DeviceKey>('DELETE FROM envelopes WHERE recipient = @account AND device_id = @device'),
    deviceExists: db.prepare<DeviceKey, CountRow>(
      'SELECT count(*) AS count FROM devices WHERE account_id = @account AND device_id = @device',
    ),
    // Cascades to devices and their prekeys (foreign keys).
    deleteAccount: db.prepare<[string]>('DELETE FROM accounts WHERE account_id = ?'),
    deleteEnvelopesTo: db.prepare<[string]>('DELETE FROM envelopes WHERE recipient = ?'),
    deleteEnvelopesFrom: db.prepare<[string]>('DELETE FROM envelopes WHERE source_account = ?'),
    deleteChallengesOf: db.prepare<[string]>('DELETE FROM challenges WHERE account_id = ?'),

    updateSignedPreKey: db.prepare<SignedKeyParams>(
      `UPDATE devices SET signed_prekey_id = @keyId, signed_prekey = @publicKey, signed_prekey_signature = @signature
       WHERE account_id = @account AND device_id = @device`,
    ),
    updateLastResortKyberPreKey: db.prepare<SignedKeyParams>(
      `UPDATE devices SET last_resort_kyber_id = @keyId, last_resort_kyber_prekey = @publicKey,
         last_resort_kyber_signature = @signature
       WHERE account_id = @account AND device_id = @device`,
    ),
    deletePreKeysOf: db.prepare<DeviceKey>(
      'DELETE FROM one_time_prekeys WHERE account_id = @account AND device_id = @device',
    ),
    deleteKyberPreKeysOf: db.prepare<DeviceKey>(
      'DELETE FROM kyber_prekeys WHERE account_id = @account AND device_id = @device',
    ),
    // "Ignoring ids already present": only the key conflict is ignored, every other constraint still fails.
    insertPreKey: db.prepare<OneTimeKeyParams>(
      `INSERT INTO one_time_prekeys (account_id, device_id, key_id, public_key)
       VALUES (@account, @device, @keyId, @publicKey)
       ON CONFLICT (account_id, device_id, key_id) DO NOTHING`,
    ),
    insertKyberPreKey: db.prepare<SignedKeyParams>(
      `INSERT INTO kyber_prekeys (account_id, device_id, key_id, public_key, signature)
       VALUES (@account, @device, @keyId, @publicKey, @signature)
       ON CONFLICT (account_id, device_id, key_id) DO NOTHING`,
    ),
    countPreKeys: db.prepare<DeviceKey, PreKeyCountRow>(
      `SELECT
         (SELECT count(*) FROM one_time_prekeys WHERE account_id = @account AND device_id = @device) AS pre_keys,
         (SELECT count(*) FROM kyber_prekeys WHERE account_id = @account AND device_id = @device) AS kyber_pre_keys`,
    ),
    selectBundleDevice: db.prepare<DeviceKey, BundleDeviceRow>(
      `SELECT d.registration_id, a.identity_key,
         d.signed_prekey_id, d.signed_prekey, d.signed_prekey_signature,
         d.last_resort_kyber_id, d.last_resort_kyber_prekey, d.last_resort_kyber_signature
       FROM devices AS d JOIN accounts AS a ON a.account_id = d.account_id
       WHERE d.account_id = @account AND d.device_id = @device`,
    ),
    takeLowestPreKey: db.prepare<DeviceKey, OneTimePreKeyRow>(
      `DELETE FROM one_time_prekeys
       WHERE account_id = @account AND device_id = @device
         AND key_id = (SELECT min(key_id) FROM one_time_prekeys WHERE account_id = @account AND device_id = @device)
       RETURNING key_id, public_key`,
    ),
    takeLowestKyberPreKey: db.prepare<DeviceKey, KyberPreKeyRow>(
      `DELETE FROM kyber_prekeys
       WHERE account_id = @account AND device_id = @device
         AND key_id = (SELECT min(key_id) FROM kyber_prekeys WHERE account_id = @account AND device_id = @device)
       RETURNING key_id, public_key, signature`,
    ),

    insertEnvelope: db.prepare<EnvelopeRowParams>(
      `INSERT INTO envelopes (id, recipient, device_id, type, source_account, source_device, content,
         server_timestamp, expires_at)
       VALUES (@id, @recipient, @device, @type, @sourceAccount, @sourceDevice, @content, @serverTimestamp, @expiresAt)`,
    ),
    selectEnvelopes: db.prepare<[string, number, number, number, number], EnvelopeRow>(
      `SELECT seq, id, type, source_account, source_device, content, server_timestamp, expires_at
       FROM envelopes
       WHERE recipient = ? AND device_id = ? AND seq > ? AND expires_at > ?
       ORDER BY seq LIMIT ?`,
    ),
    // The ids arrive as one JSON array, so one prepared statement serves any
    // number of them. The unary + keeps the planner off the queue index
    // (it would scan the device's whole backlog): each id is looked up
    // through the unique index on id, and the recipient and device
    // conditions then make another queue's ids no-ops.
    deleteEnvelopesByIds: db.prepare<[string, string, number]>(
      `DELETE FROM envelopes
       WHERE id IN (SELECT value FROM json_each(?)) AND +recipient = ? AND +device_id = ?`,
    ),
    deleteExpiredEnvelopesChunk: db.prepare<[number, number]>(
      'DELETE FROM envelopes WHERE seq IN (SELECT seq FROM envelopes WHERE expires_at <= ? LIMIT ?)',
    ),
    countEnvelopes: db.prepare<[], CountRow>('SELECT count(*) AS count FROM envelopes'),
    dataVersion: db.prepare<[], DataVersionRow>('PRAGMA data_version'),
  };
}
