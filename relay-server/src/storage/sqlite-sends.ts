/**
 * The SQLite store's envelope commits: plain batches (insertEnvelopes) and
 * sends under the queue limits and the daily quota (commitSends), each one
 * BEGIN IMMEDIATE transaction with one flush. The limit checks read
 * queue_usage (kept by triggers, so it already counts what earlier sends of
 * the same transaction inserted) and send_usage, inside the transaction that
 * writes: several processes on one database serialize on its write lock, so
 * no check can be overtaken by another writer's insert.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type { NewEnvelope, NewInvite, NewSend, SendLimits, SendOutcome, StoredEnvelope } from './relay-store.js';
import { duplicateEnvelope, invalidInput } from './relay-store-errors.js';
import type { SqliteWriter } from './sqlite-prekeys.js';
import { envelopeToRow, isUniqueViolation } from './sqlite-rows.js';
import type { EnvelopeRowParams } from './sqlite-statements.js';
import { decodeCanonicalBase64 } from './store-input.js';
import { refusalOf, type SendLedger, sendBytes, utcDay } from './store-limits.js';
import { storedEnvelope } from './stored-envelope.js';

const EMPTY_QUEUE = { envelopes: 0, bytes: 0 } as const;

/** Inserts one row; `batchIndex` names it in a DUPLICATE_ENVELOPE error. Returns its seq. */
function insertRow(writer: SqliteWriter, row: EnvelopeRowParams, batchIndex: number): number {
  try {
    return Number(writer.statements.insertEnvelope.run(row).lastInsertRowid);
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateEnvelope(row.id, batchIndex, error);
    throw error;
  }
}

export function insertEnvelopesIn(writer: SqliteWriter, envelopes: readonly NewEnvelope[]): StoredEnvelope[] {
  if (envelopes.length === 0) return [];
  const prepared = envelopes.map((envelope) => ({ envelope, row: envelopeToRow(envelope) }));
  // One transaction, one fsync for the whole batch: all rows commit or none.
  const insertAll = writer.db.transaction((): StoredEnvelope[] =>
    prepared.map(({ envelope, row }, index) => storedEnvelope(envelope, insertRow(writer, row, index))),
  );
  return insertAll.immediate();
}

/** DUPLICATE_ENVELOPE for an id repeated anywhere in the call (refused sends included). */
function assertDistinctIds(envelopes: readonly NewEnvelope[]): void {
  const seen = new Set<string>();
  envelopes.forEach((envelope, index) => {
    if (seen.has(envelope.id)) throw duplicateEnvelope(envelope.id, index);
    seen.add(envelope.id);
  });
}

export function commitSendsIn(writer: SqliteWriter, sends: readonly NewSend[], limits: SendLimits): SendOutcome[] {
  if (sends.length === 0) return [];
  const all = sends.flatMap((send) => send.envelopes);
  assertDistinctIds(all);
  const prepared = sends.map((send) => ({ send, rows: send.envelopes.map(envelopeToRow), bytes: sendBytes(send) }));
  const { limitStatements } = writer;
  const day = utcDay(limits.now);
  const ledger: SendLedger = {
    sentOn: (accountId: AccountId, onDay: number) => limitStatements.selectSendUsage.get(accountId, onDay)?.bytes ?? 0,
    queued: (recipient: AccountId, deviceId: number) =>
      limitStatements.selectQueueUsage.get(recipient, deviceId) ?? EMPTY_QUEUE,
  };
  const commit = writer.db.transaction((): SendOutcome[] => {
    const stored = limitStatements.selectStoredEnvelopeIds.get(JSON.stringify(all.map((envelope) => envelope.id)));
    if (stored !== undefined) {
      throw duplicateEnvelope(
        stored.id,
        all.findIndex((envelope) => envelope.id === stored.id),
      );
    }
    let batchIndex = 0;
    return prepared.map(({ send, rows, bytes }): SendOutcome => {
      const refusal = refusalOf(send, limits, ledger);
      if (refusal !== null) {
        batchIndex += rows.length;
        return { ok: false, refusal };
      }
      const envelopes = rows.map((row, index) => {
        const envelope = send.envelopes[index] as NewEnvelope;
        return storedEnvelope(envelope, insertRow(writer, row, batchIndex++));
      });
      if (send.sender !== null) limitStatements.addSendUsage.run(send.sender, day, bytes);
      return { ok: true, stored: envelopes };
    });
  });
  return commit.immediate();
}

export function createInvitesIn(writer: SqliteWriter, invites: readonly NewInvite[]): void {
  const rows = invites.map((invite) => ({
    hash: decodeCanonicalBase64(invite.codeHash, 'invite code hash'),
    invite,
  }));
  const insertAll = writer.db.transaction((): void => {
    for (const { hash, invite } of rows) {
      try {
        writer.limitStatements.insertInvite.run(hash, invite.createdAt, invite.expiresAt);
      } catch (error) {
        if (isUniqueViolation(error)) throw invalidInput('an invite code hash is already stored');
        throw error;
      }
    }
  });
  insertAll.immediate();
}
