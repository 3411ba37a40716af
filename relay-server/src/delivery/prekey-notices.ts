/**
 * `prekeys-low`: tells a device to upload more one-time prekeys when its EC
 * or Kyber count falls below the threshold. Checked when the device connects
 * and after each bundle claim of it; only online devices on this node are
 * told (an offline one is told when it next connects). With --redis, a claim
 * on another node reaches this one through RedisCluster.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type { RelayContext } from '../context.js';

export async function checkPreKeys(ctx: RelayContext, accountId: AccountId, deviceId: number): Promise<void> {
  const connections = ctx.connections.forDevice(accountId, deviceId);
  if (connections.size === 0) return;
  const counts = await ctx.store.countPreKeys(accountId, deviceId);
  const threshold = ctx.config.preKeysLowThreshold;
  if (counts.preKeys >= threshold && counts.kyberPreKeys >= threshold) return;
  for (const connection of ctx.connections.forDevice(accountId, deviceId)) {
    connection.preKeysLow({ preKeys: counts.preKeys, kyberPreKeys: counts.kyberPreKeys });
  }
}

/** Fire-and-forget variant for request paths: a failed count must not fail the request. */
export function notifyIfPreKeysLow(ctx: RelayContext, accountId: AccountId, deviceId: number): void {
  checkPreKeys(ctx, accountId, deviceId).catch((error: unknown) => {
    ctx.logger.warn({ err: error }, 'prekey count check failed');
  });
}
