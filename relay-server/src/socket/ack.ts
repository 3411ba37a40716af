/**
 * The `ack` event: the device has durably stored these envelopes, so the
 * relay deletes them. Deletion is scoped to the acking device's own queue:
 * ids of anyone else's envelopes match nothing and are ignored (`deleted`
 * counts only what went), so an ack can never touch another queue.
 */
import { type AckResult, ackRequestSchema } from '@parley/crypto-core/wire';
import type { RelayContext } from '../context.js';
import type { DeviceConnection } from '../delivery/device-connection.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import { parseRequest } from '../http/validation.js';

export async function handleAck(ctx: RelayContext, connection: DeviceConnection, raw: unknown): Promise<AckResult> {
  try {
    const request = parseRequest(ackRequestSchema, raw, 'ack request');
    const deleted = await ctx.store.deleteEnvelopes(connection.accountId, connection.deviceId, request.envelopeIds);
    ctx.metrics.envelopesDelivered.inc(deleted);
    connection.acknowledged(request.envelopeIds);
    return { ok: true, deleted };
  } catch (error) {
    // Anything but a validation failure is the store's: the client should simply ack again later.
    const relayError = RelayServerError.is(error)
      ? error
      : new RelayServerError(RelayErrorCode.Unavailable, 'the acknowledgement could not be stored: retry', error, {
          retryAfter: 1,
        });
    if (!RelayServerError.is(error)) ctx.logger.error({ err: error }, 'ack failed');
    return { ok: false, error: relayError.toWire() };
  }
}
