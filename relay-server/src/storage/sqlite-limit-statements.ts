/**
 * The SQLite statements behind the relay's limits (schema version 2): queue
 * usage (kept by triggers on `envelopes`), daily send usage, one-time prekey
 * lookups for conflicts and counts, and invite codes. Prepared once per
 * connection, like sqlite-statements.ts.
 */
import type Database from 'better-sqlite3';
import type { DeviceKey } from './sqlite-statements.js';

export interface QueueUsageRow {
  readonly envelopes: number;
  readonly bytes: number;
}

export interface BytesRow {
  readonly bytes: number;
}

export interface PublicKeyRow {
  readonly public_key: Buffer;
}

export interface CountOfRow {
  readonly count: number;
}

export interface KeyIdParams extends DeviceKey {
  readonly keyId: number;
}

export interface SqliteLimitStatements {
  /** Which of these envelope ids (a JSON array) are stored already. */
  readonly selectStoredEnvelopeIds: Database.Statement<[string], { readonly id: string }>;
  readonly selectQueueUsage: Database.Statement<[string, number], QueueUsageRow>;
  readonly selectSendUsage: Database.Statement<[string, number], BytesRow>;
  readonly addSendUsage: Database.Statement<[string, number, number]>;
  readonly deleteSendUsageOf: Database.Statement<[string]>;
  readonly deleteSendUsageBefore: Database.Statement<[number]>;
  readonly selectPreKey: Database.Statement<KeyIdParams, PublicKeyRow>;
  readonly selectKyberPreKey: Database.Statement<KeyIdParams, PublicKeyRow>;
  readonly countPreKeysOf: Database.Statement<DeviceKey, CountOfRow>;
  readonly countKyberPreKeysOf: Database.Statement<DeviceKey, CountOfRow>;
  readonly insertInvite: Database.Statement<[Buffer, number, number]>;
  /** Consumes an unexpired invite; returns its row when there was one. */
  readonly takeInvite: Database.Statement<[Buffer, number], { readonly created_at: number }>;
  readonly deleteExpiredInvites: Database.Statement<[number]>;
}

export function prepareLimitStatements(db: Database.Database): SqliteLimitStatements {
  return {
    selectStoredEnvelopeIds: db.prepare<[string], { readonly id: string }>(
      'SELECT id FROM envelopes WHERE id IN (SELECT value FROM json_each(?))',
    ),
    selectQueueUsage: db.prepare<[string, number], QueueUsageRow>(
      'SELECT envelopes, bytes FROM queue_usage WHERE recipient = ? AND device_id = ?',
    ),
    selectSendUsage: db.prepare<[string, number], BytesRow>(
      'SELECT bytes FROM send_usage WHERE account_id = ? AND day = ?',
    ),
    addSendUsage: db.prepare<[string, number, number]>(
      `INSERT INTO send_usage (account_id, day, bytes) VALUES (?, ?, ?)
       ON CONFLICT (account_id, day) DO UPDATE SET bytes = bytes + excluded.bytes`,
    ),
    deleteSendUsageOf: db.prepare<[string]>('DELETE FROM send_usage WHERE account_id = ?'),
    deleteSendUsageBefore: db.prepare<[number]>('DELETE FROM send_usage WHERE day < ?'),
    selectPreKey: db.prepare<KeyIdParams, PublicKeyRow>(
      'SELECT public_key FROM one_time_prekeys WHERE account_id = @account AND device_id = @device AND key_id = @keyId',
    ),
    selectKyberPreKey: db.prepare<KeyIdParams, PublicKeyRow>(
      'SELECT public_key FROM kyber_prekeys WHERE account_id = @account AND device_id = @device AND key_id = @keyId',
    ),
    countPreKeysOf: db.prepare<DeviceKey, CountOfRow>(
      'SELECT count(*) AS count FROM one_time_prekeys WHERE account_id = @account AND device_id = @device',
    ),
    countKyberPreKeysOf: db.prepare<DeviceKey, CountOfRow>(
      'SELECT count(*) AS count FROM kyber_prekeys WHERE account_id = @account AND device_id = @device',
    ),
    insertInvite: db.prepare<[Buffer, number, number]>(
      'INSERT INTO invites (code_hash, created_at, expires_at) VALUES (?, ?, ?)',
    ),
    takeInvite: db.prepare<[Buffer, number], { readonly created_at: number }>(
      'DELETE FROM invites WHERE code_hash = ? AND expires_at > ? RETURNING created_at',
    ),
    deleteExpiredInvites: db.prepare<[number]>('DELETE FROM invites WHERE expires_at <= ?'),
  };
}
