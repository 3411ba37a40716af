/**
 * The `send` event. The sender is always the socket's authenticated device:
 * the request has no sender field (a `source` is an unknown key, refused as
 * BAD_REQUEST by the strict schema), so no one can send as another account.
 *
 * Checks, in order: rate (RATE_LIMITED, per sending account, token bucket),
 * size (PAYLOAD_TOO_LARGE: decoded bytes of any content over
 * --max-envelope-size), shape (BAD_REQUEST), recipient (UNKNOWN_ACCOUNT),
 * the recipient's access key (ACCESS_DENIED: needed once the recipient
 * registered access keys, unless it is the sender's own account;
 * auth/access-keys.ts), and that the messages address exactly the
 * recipient's current devices (DEVICE_MISMATCH with
 * missingDevices/extraDevices). Then delivery (delivery/accept-send.ts).
 */
import { type SendResult, sendRequestSchema } from '@parley/crypto-core/wire';
import { checkAuthenticatedAccess } from '../auth/access-keys.js';
import type { RelayContext } from '../context.js';
import { checkDevices, checkSizes, deliverSend, type Sender } from '../delivery/accept-send.js';
import { RelayErrorCode, RelayServerError, toRelayServerError } from '../errors.js';
import { parseRequest } from '../http/validation.js';
import { enforce } from '../limits/rate-limits.js';

export async function handleSend(ctx: RelayContext, sender: Sender, raw: unknown): Promise<SendResult> {
  try {
    if (ctx.lifecycle.shuttingDown) {
      throw new RelayServerError(RelayErrorCode.Unavailable, 'the relay is shutting down', undefined, {
        retryAfter: 5,
      });
    }
    await enforce(ctx.limits.send, sender.accountId, 'sends');
    checkSizes(raw, ctx.config.maxEnvelopeBytes);
    const request = parseRequest(sendRequestSchema, raw, 'send request');
    const account = await ctx.store.getAccount(request.recipient);
    if (account === null) throw new RelayServerError(RelayErrorCode.UnknownAccount, 'no such recipient on this relay');
    checkAuthenticatedAccess(sender.accountId, account, request.accessKey);
    checkDevices(sender, request, account);
    return await deliverSend(ctx, sender, request);
  } catch (error) {
    const relayError = toRelayServerError(error);
    if (relayError.code === RelayErrorCode.Internal) ctx.logger.error({ err: error }, 'send failed');
    ctx.metrics.sendsRefused.inc({ code: relayError.code });
    ctx.metrics.countRefusal(relayError.code);
    return { ok: false, error: relayError.toWire() };
  }
}
