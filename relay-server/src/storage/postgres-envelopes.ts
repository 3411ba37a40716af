/**
 * The PostgreSQL store's envelope reads and deletions: the drain, single and
 * batched acknowledgements, and the chunked sweeps.
 *
 * Sweeps lock each chunk with FOR UPDATE SKIP LOCKED, so every node may run
 * its sweeper at the same time: two sweeps take disjoint rows instead of
 * waiting on each other, and each row is counted by the sweep that removed it.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type pg from 'pg';
import type { EnvelopeDeletion, StoredEnvelope } from './relay-store.js';
import { envelopeFromRow } from './sqlite-rows.js';
import { type EnvelopeRow, SWEEP_CHUNK_ROWS } from './sqlite-statements.js';
import { assertCursor, assertLimit } from './store-input.js';

export async function fetchEnvelopesWith(
  pool: pg.Pool,
  recipient: AccountId,
  deviceId: number,
  afterSeq: number,
  limit: number,
  now: number,
): Promise<StoredEnvelope[]> {
  assertCursor(afterSeq);
  assertLimit(limit);
  if (limit < 1) return [];
  const { rows } = await pool.query<EnvelopeRow>(
    `SELECT seq, id, type, source_account, source_device, content, server_timestamp, expires_at
     FROM envelopes
     WHERE recipient = $1 AND device_id = $2 AND seq > $3 AND expires_at > $4
     ORDER BY seq LIMIT $5`,
    [recipient, deviceId, afterSeq, now, limit],
  );
  return rows.map((row) => envelopeFromRow(recipient, deviceId, row));
}

const DELETE_BY_IDS = 'DELETE FROM envelopes WHERE id = ANY($1::text[]) AND recipient = $2 AND device_id = $3';

export async function deleteEnvelopesWith(
  pool: pg.Pool,
  recipient: AccountId,
  deviceId: number,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await pool.query(DELETE_BY_IDS, [ids, recipient, deviceId]);
  return result.rowCount ?? 0;
}

/**
 * All deletions in the caller's transaction, in order, committed without
 * waiting for the WAL flush (synchronous_commit off for this transaction
 * only). PostgreSQL writes the WAL in order, so the next durable commit
 * flushes these deletions with it; a server crash before that can only
 * bring the latest acknowledged envelopes back, to be delivered again and
 * dropped by id on the client, never lose a send.
 */
export async function deleteEnvelopesBatchIn(
  client: pg.PoolClient,
  deletions: readonly EnvelopeDeletion[],
): Promise<number[]> {
  await client.query('SET LOCAL synchronous_commit = off');
  const counts: number[] = [];
  for (const deletion of deletions) {
    if (deletion.ids.length === 0) {
      counts.push(0);
      continue;
    }
    const result = await client.query(DELETE_BY_IDS, [deletion.ids, deletion.recipient, deletion.deviceId]);
    counts.push(result.rowCount ?? 0);
  }
  return counts;
}

/** Deletes rows matching `expiredWhere` (a condition on $1 = now) in chunks of SWEEP_CHUNK_ROWS, skipping rows another sweep holds. */
export async function sweepWith(
  pool: () => pg.Pool,
  table: 'envelopes' | 'challenges' | 'invites',
  key: string,
  now: number,
): Promise<number> {
  let removed = 0;
  for (;;) {
    const result = await pool().query(
      `DELETE FROM ${table} WHERE ${key} IN (
         SELECT ${key} FROM ${table} WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [now, SWEEP_CHUNK_ROWS],
    );
    const changes = result.rowCount ?? 0;
    removed += changes;
    if (changes < SWEEP_CHUNK_ROWS) return removed;
  }
}
