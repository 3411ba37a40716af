/**
 * How the SQLite store's envelopes map to and from their table row (prekeys
 * are decoded by decoded-keys.ts, shared with the PostgreSQL store).
 */

import type { AccountId, EnvelopeType } from '@parley/crypto-core/wire';
import Database from 'better-sqlite3';
import type { NewEnvelope, StoredEnvelope } from './relay-store.js';
import type { EnvelopeRow, EnvelopeRowParams } from './sqlite-statements.js';

export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Database.SqliteError &&
    (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
  );
}

export function envelopeToRow(envelope: NewEnvelope): EnvelopeRowParams {
  return {
    id: envelope.id,
    recipient: envelope.recipient,
    device: envelope.deviceId,
    type: envelope.type,
    sourceAccount: envelope.source?.accountId ?? null,
    sourceDevice: envelope.source?.deviceId ?? null,
    content: envelope.content,
    serverTimestamp: envelope.serverTimestamp,
    expiresAt: envelope.expiresAt,
  };
}

export function envelopeFromRow(recipient: AccountId, deviceId: number, row: EnvelopeRow): StoredEnvelope {
  const envelope = {
    id: row.id,
    recipient,
    deviceId,
    // The schema's CHECK admits only the three envelope types.
    type: row.type as EnvelopeType,
    content: row.content,
    serverTimestamp: row.server_timestamp,
    expiresAt: row.expires_at,
    seq: row.seq,
  };
  if (row.source_account === null || row.source_device === null) return envelope;
  return { ...envelope, source: { accountId: row.source_account as AccountId, deviceId: row.source_device } };
}
