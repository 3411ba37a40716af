/**
 * Bytes an account stores outside envelopes (attachment blobs), charged to
 * the same send_usage day as its sends, in one BEGIN IMMEDIATE transaction
 * so that no other writer spends the day between the check and the charge.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type { StoredBytesLimits } from './relay-store.js';
import type { SqliteWriter } from './sqlite-prekeys.js';
import { utcDay } from './store-limits.js';

export function chargeStoredBytesIn(
  writer: SqliteWriter,
  accountId: AccountId,
  bytes: number,
  limits: StoredBytesLimits,
): boolean {
  const day = utcDay(limits.now);
  const { limitStatements } = writer;
  const charge = writer.db.transaction((): boolean => {
    const sent = limitStatements.selectSendUsage.get(accountId, day)?.bytes ?? 0;
    if (sent + bytes > limits.dailySendBytes) return false;
    limitStatements.addSendUsage.run(accountId, day, bytes);
    return true;
  });
  return charge.immediate();
}
