/**
 * Bytes an account stores outside envelopes (attachment blobs), charged to
 * the same send_usage day as its sends. The usage row is locked first (an
 * upsert, as sends do: postgres-queue-locks.ts gives the order), so no other
 * node spends the day between the check and the charge.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type pg from 'pg';
import type { StoredBytesLimits } from './relay-store.js';
import { utcDay } from './store-limits.js';

export async function chargeStoredBytesIn(
  client: pg.PoolClient,
  accountId: AccountId,
  bytes: number,
  limits: StoredBytesLimits,
): Promise<boolean> {
  const day = utcDay(limits.now);
  const { rows } = await client.query<{ bytes: string | number }>(
    `INSERT INTO send_usage AS s (account_id, day, bytes) VALUES ($1, $2, 0)
     ON CONFLICT (account_id, day) DO UPDATE SET bytes = s.bytes
     RETURNING bytes`,
    [accountId, day],
  );
  const sent = Number(rows[0]?.bytes ?? 0);
  if (sent + bytes > limits.dailySendBytes) return false;
  await client.query('UPDATE send_usage SET bytes = bytes + $3 WHERE account_id = $1 AND day = $2', [
    accountId,
    day,
    bytes,
  ]);
  return true;
}
