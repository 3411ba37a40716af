/**
 * The PostgreSQL store's envelope reads and deletions: the drain, single and
 * batched acknowledgements, and the chunked sweeps.
 *
 * Every deletion first locks the usage rows of the queues it deletes from,
 * in the store's lock order (postgres-queue-locks.ts), and only then the
 * envelope rows: left to the delete trigger, the usage rows would be locked
 * in any order, and acknowledgements deadlocked with sends.
 *
 * Sweeps go chunk by chunk, one transaction each: the queues of up to
 * SWEEP_CHUNK_ROWS expired envelopes, their usage rows locked in order, then
 * up to SWEEP_CHUNK_ROWS expired envelopes of those queues. Two nodes
 * sweeping at once take turns on a queue (the second finds what the first
 * left) and each row is counted by the sweep that removed it. Challenges
 * and invites have no usage rows: their sweeps skip rows another sweep
 * holds (FOR UPDATE SKIP LOCKED) and never wait.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type pg from 'pg';
import { lockExistingQueueUsage } from './postgres-queue-locks.js';
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

/**
 * All deletions in the caller's transaction, as one statement after the
 * queues' usage locks. An id named by several deletions of its own queue
 * counts at the first (DISTINCT ON ... ORDER BY n), as if they ran in order.
 *
 * 'relaxed' commits without waiting for the WAL flush (synchronous_commit
 * off for this transaction only). PostgreSQL writes the WAL in order, so
 * the next durable commit flushes these deletions with it; a server crash
 * before that can only bring the latest acknowledged envelopes back, to be
 * delivered again and dropped by id on the client, never lose a send.
 */
export async function deleteEnvelopesBatchIn(
  client: pg.PoolClient,
  deletions: readonly EnvelopeDeletion[],
  commit: 'durable' | 'relaxed',
): Promise<number[]> {
  const counts = deletions.map(() => 0);
  const named = deletions.filter((deletion) => deletion.ids.length > 0);
  if (named.length === 0) return counts;
  if (commit === 'relaxed') await client.query('SET LOCAL synchronous_commit = off');
  await lockExistingQueueUsage(client, named);
  const flat = deletions.flatMap((deletion, n) => deletion.ids.map((id) => ({ id, deletion, n })));
  const { rows } = await client.query<{ n: number }>(
    `DELETE FROM envelopes AS e
     USING (SELECT DISTINCT ON (id, recipient, device_id) id, recipient, device_id, n
            FROM unnest($1::text[], $2::text[], $3::integer[], $4::integer[]) AS u (id, recipient, device_id, n)
            ORDER BY id, recipient, device_id, n) AS d
     WHERE e.id = d.id AND e.recipient = d.recipient AND e.device_id = d.device_id
     RETURNING d.n`,
    [
      flat.map((entry) => entry.id),
      flat.map((entry) => entry.deletion.recipient),
      flat.map((entry) => entry.deletion.deviceId),
      flat.map((entry) => entry.n),
    ],
  );
  for (const row of rows) counts[row.n] = (counts[row.n] ?? 0) + 1;
  return counts;
}

/** One sweep chunk inside the caller's transaction: how many expired envelopes it removed. */
export async function sweepEnvelopeChunkIn(client: pg.PoolClient, now: number): Promise<number> {
  const { rows: queues } = await client.query<{ recipient: string; device_id: number }>(
    `SELECT DISTINCT recipient, device_id
     FROM (SELECT recipient, device_id FROM envelopes WHERE expires_at <= $1 LIMIT $2) AS expired`,
    [now, SWEEP_CHUNK_ROWS],
  );
  if (queues.length === 0) return 0;
  const refs = queues.map((queue) => ({ recipient: queue.recipient, deviceId: queue.device_id }));
  await lockExistingQueueUsage(client, refs);
  const result = await client.query(
    `DELETE FROM envelopes WHERE seq IN (
       SELECT e.seq FROM envelopes AS e
         JOIN unnest($2::text[], $3::integer[]) AS q (recipient, device_id)
           ON e.recipient = q.recipient AND e.device_id = q.device_id
       WHERE e.expires_at <= $1 LIMIT $4)`,
    [now, refs.map((queue) => queue.recipient), refs.map((queue) => queue.deviceId), SWEEP_CHUNK_ROWS],
  );
  return result.rowCount ?? 0;
}

/**
 * Sweeps expired envelopes chunk by chunk, each chunk one transaction run by
 * `transaction`, until a chunk finds nothing left to remove. A chunk that
 * removed nothing although it found expired envelopes lost them to another
 * sweep, which removed some and so goes on: between them nothing is left.
 */
export async function sweepEnvelopesWith(
  transaction: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>,
  now: number,
): Promise<number> {
  let removed = 0;
  for (;;) {
    const changes = await transaction((client) => sweepEnvelopeChunkIn(client, now));
    if (changes === 0) return removed;
    removed += changes;
  }
}

/** Deletes rows matching `expiredWhere` (a condition on $1 = now) in chunks of SWEEP_CHUNK_ROWS, skipping rows another sweep holds. */
export async function sweepWith(
  pool: () => pg.Pool,
  table: 'challenges' | 'invites',
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
