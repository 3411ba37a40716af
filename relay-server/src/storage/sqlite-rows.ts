/**
 * How the SQLite store's rows map to the store's values: prekeys decoded from
 * base64 to BLOBs before a transaction begins (so a refused argument never
 * leaves one half done), envelopes to and from their table row.
 */

import type {
  AccountId,
  EnvelopeType,
  KyberPreKeyWire,
  OneTimePreKeyWire,
  SignedPreKeyWire,
} from '@parley/crypto-core/wire';
import Database from 'better-sqlite3';
import type { NewEnvelope, StoredEnvelope } from './relay-store.js';
import type { EnvelopeRow, EnvelopeRowParams } from './sqlite-statements.js';
import { decodeCanonicalBase64 } from './store-input.js';

export interface DecodedSignedKey {
  readonly keyId: number;
  readonly publicKey: Buffer;
  readonly signature: Buffer;
}

export interface DecodedOneTimeKey {
  readonly keyId: number;
  readonly publicKey: Buffer;
}

export function decodeSignedKey(key: SignedPreKeyWire | KyberPreKeyWire, field: string): DecodedSignedKey {
  return {
    keyId: key.keyId,
    publicKey: decodeCanonicalBase64(key.publicKey, field),
    signature: decodeCanonicalBase64(key.signature, `${field} signature`),
  };
}

export function decodeOneTimeKey(key: OneTimePreKeyWire): DecodedOneTimeKey {
  return { keyId: key.keyId, publicKey: decodeCanonicalBase64(key.publicKey, 'one-time prekey') };
}

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
