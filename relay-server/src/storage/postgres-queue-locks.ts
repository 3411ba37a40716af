/**
 * The PostgreSQL store's one lock order, and the queue-usage row locks that
 * every writer of envelopes takes through this module.
 *
 * Two transactions deadlock when each holds a row lock the other one waits
 * for. PostgreSQL notices only after `deadlock_timeout` (1 s by default),
 * aborts one of them, and both stalled meanwhile. So every transaction of
 * the store takes its row locks in this one order, each class sorted:
 *
 *   1. `accounts` row (registration, erasure),
 *   2. `devices` rows (registration, prekey uploads),
 *   3. `send_usage` rows, by account id (sends; erasure),
 *   4. `queue_usage` rows, by (recipient, device id) in code-unit order of
 *      the id, then the device number (sends, acknowledgements, sweeps,
 *      a takeover's dropped queue, erasure),
 *   5. `envelopes` rows (acknowledgements, sweeps, takeover, erasure),
 *   6. one-time prekey rows (claims skip locked rows and never wait).
 *
 * Class 4 is what the hot paths share. A send locks the usage rows of the
 * queues it writes to before it draws seqs (postgres-sends.ts says why);
 * the `envelopes` triggers update the same rows after an insert or delete,
 * in the order of a hash join, so a delete that let its trigger take them
 * (the old acknowledgement path) locked them in any order and deadlocked
 * with sends. Now acknowledgements and sweeps lock the usage rows here
 * first, sorted, and only then delete envelopes: the trigger finds them
 * held. The sort is done here, in JavaScript, and each statement locks in
 * its array's order (WITH ORDINALITY ... ORDER BY n), so the order does not
 * depend on the database's collation.
 *
 * Erasure deletes the account row last, and its cascade locks the device
 * rows then: safe, because every transaction that locks a device row before
 * a later class (a takeover) holds the account row first, which the erasure
 * locked at its start.
 *
 * One path can still lock out of order: an account erased while one of its
 * sends commits to a queue the erasure did not see yet. The retry in
 * postgres-connection.ts covers such rare cases; it is counted, and a test
 * requires it never to run under sends and acknowledgements.
 */
import type pg from 'pg';
import type { QueueUsage } from './store-limits.js';

/** One device's queue. */
export interface QueueRef {
  readonly recipient: string;
  readonly deviceId: number;
}

export function queueKey(recipient: string, deviceId: number): string {
  return `${recipient}\u0000${deviceId}`;
}

/** The distinct queues of `queues`, in the store's lock order. */
export function inLockOrder(queues: Iterable<QueueRef>): QueueRef[] {
  const distinct = new Map<string, QueueRef>();
  for (const queue of queues) {
    distinct.set(queueKey(queue.recipient, queue.deviceId), { recipient: queue.recipient, deviceId: queue.deviceId });
  }
  return [...distinct.values()].sort((a, b) =>
    a.recipient === b.recipient ? a.deviceId - b.deviceId : a.recipient < b.recipient ? -1 : 1,
  );
}

interface UsageRow {
  readonly recipient: string;
  readonly device_id: number;
  readonly envelopes: number;
  readonly bytes: number;
}

function usageByQueue(rows: readonly UsageRow[]): Map<string, QueueUsage> {
  return new Map(rows.map((row) => [queueKey(row.recipient, row.device_id), row]));
}

/**
 * Locks the usage rows of these queues in lock order, creating missing ones
 * at zero (an upsert: a send to a new queue), and returns what each holds.
 */
export async function lockQueueUsage(
  client: pg.PoolClient,
  queues: Iterable<QueueRef>,
): Promise<Map<string, QueueUsage>> {
  const sorted = inLockOrder(queues);
  if (sorted.length === 0) return new Map();
  const { rows } = await client.query<UsageRow>(
    `INSERT INTO queue_usage AS q (recipient, device_id, envelopes, bytes)
     SELECT recipient, device_id, 0, 0 FROM unnest($1::text[], $2::integer[]) WITH ORDINALITY AS u (recipient, device_id, n)
     ORDER BY n
     ON CONFLICT (recipient, device_id) DO UPDATE SET envelopes = q.envelopes
     RETURNING recipient, device_id, envelopes, bytes`,
    [sorted.map((queue) => queue.recipient), sorted.map((queue) => queue.deviceId)],
  );
  return usageByQueue(rows);
}

/**
 * Locks the existing usage rows of these queues in lock order (before
 * envelopes of them are deleted); a queue without a row has no envelopes
 * and needs none.
 */
export async function lockExistingQueueUsage(client: pg.PoolClient, queues: Iterable<QueueRef>): Promise<void> {
  const sorted = inLockOrder(queues);
  if (sorted.length === 0) return;
  // The row locks are taken above the sort, so in the order of n.
  await client.query(
    `SELECT 1 FROM unnest($1::text[], $2::integer[]) WITH ORDINALITY AS u (recipient, device_id, n)
       JOIN queue_usage AS q ON q.recipient = u.recipient AND q.device_id = u.device_id
     ORDER BY u.n
     FOR UPDATE OF q`,
    [sorted.map((queue) => queue.recipient), sorted.map((queue) => queue.deviceId)],
  );
}
