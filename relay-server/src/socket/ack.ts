/**
 * The `ack` event: the device has durably stored these envelopes, so the
 * relay deletes them. Deletion is scoped to the acking device's own queue:
 * ids of anyone else's envelopes match nothing and are ignored (`deleted`
 * counts only what went), so an ack can never touch another queue.
 *
 * Acks are limited per device (--ack-rate, --ack-burst: RATE_LIMITED), so a
 * flood of them cannot keep the store busy deleting nothing.
 *
 * Acks are not deleted one by one: the relay's AckBatcher gathers the acks
 * that arrive together (within a few milliseconds) into one transaction, and
 * each ack is answered (and its delivery latency recorded) only after that
 * transaction committed.
 */
import { type AckResult, ackRequestSchema } from '@parley/crypto-core/wire';
import type { RelayContext } from '../context.js';
import { AckBatcher } from '../delivery/ack-batcher.js';
import type { DeviceConnection } from '../delivery/device-connection.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import { parseRequest } from '../http/validation.js';
import { deviceKey, enforce } from '../limits/rate-limits.js';

/**
 * One batcher per relay, created with its first ack. Keyed by the context
 * (built once per relay) rather than kept in a module variable, so several
 * relays in one process, as in tests, never share a batch or a store.
 */
const batchers = new WeakMap<RelayContext, AckBatcher>();

function ackBatcherOf(ctx: RelayContext): AckBatcher {
  let batcher = batchers.get(ctx);
  if (batcher === undefined) {
    batcher = new AckBatcher(ctx.store, ctx.logger);
    batchers.set(ctx, batcher);
  }
  return batcher;
}

export async function handleAck(ctx: RelayContext, connection: DeviceConnection, raw: unknown): Promise<AckResult> {
  try {
    await enforce(ctx.limits.ack, deviceKey(connection.accountId, connection.deviceId), 'acknowledgements');
    const request = parseRequest(ackRequestSchema, raw, 'ack request');
    const deleted = await ackBatcherOf(ctx).submit({
      recipient: connection.accountId,
      deviceId: connection.deviceId,
      ids: request.envelopeIds,
    });
    ctx.metrics.envelopesDelivered.inc(deleted);
    connection.acknowledged(request.envelopeIds);
    return { ok: true, deleted };
  } catch (error) {
    // BAD_REQUEST from validation, or UNAVAILABLE from a failed batch (which
    // the batcher logged once). Anything else is unexpected: the client should
    // simply ack again later.
    if (RelayServerError.is(error)) {
      ctx.metrics.countRefusal(error.code);
      return { ok: false, error: error.toWire() };
    }
    ctx.logger.error({ err: error }, 'ack failed');
    const relayError = new RelayServerError(
      RelayErrorCode.Unavailable,
      'the acknowledgement could not be stored: retry',
      error,
      { retryAfter: 1 },
    );
    return { ok: false, error: relayError.toWire() };
  }
}
