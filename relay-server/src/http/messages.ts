/**
 * Unauthenticated sends, for senders on other relays (docs/protocol.md,
 * "Reaching an account: access keys"):
 *
 *   POST /v1/messages   (no token) SendRequest with accessKey, sealed only -> SendAcceptedResponse
 *
 * No Authorization header is read: the capability is the recipient's access
 * key, and the relay records no sender (sealed envelopes carry none) and
 * logs nothing about who sent. Checks, in order: the client address's limit
 * (--access-ip-rate; the address stays in memory, in the limiter), size
 * (PAYLOAD_TOO_LARGE), shape (BAD_REQUEST: an access key is required and
 * every message must be sealed), the access key (ACCESS_DENIED, the same for
 * an unknown account, one without keys and a wrong key), the key's send
 * rate (--access-send-rate, per recipient and key kind), the devices
 * (DEVICE_MISMATCH), and the key's byte quota (--access-daily-quota,
 * QUOTA_EXCEEDED): the bytes count against the recipient's key, as no
 * sending account is known. Then delivery exactly as a socket send: the
 * answer comes after the durable commit, which wakes the recipient's sockets.
 */
import { MAX_ENVELOPE_CONTENT_BYTES, routes, unauthenticatedSendRequestSchema } from '@parley/crypto-core/wire';
import type { FastifyInstance } from 'fastify';
import { requireAccessKey } from '../auth/access-keys.js';
import type { RelayContext } from '../context.js';
import {
  type AcceptedSend,
  checkDevices,
  checkSizes,
  deliverSend,
  maxSendRequestBytes,
  requestBytes,
} from '../delivery/accept-send.js';
import { toRelayServerError } from '../errors.js';
import { accessKeyLimitKey, enforce, takeAccessBytes } from '../limits/rate-limits.js';
import { parseRequest } from './validation.js';

export function registerMessageRoutes(app: FastifyInstance, ctx: RelayContext): void {
  // A send to 16 devices at the largest envelope is larger than the 1 MiB other bodies may be.
  // The wire's largest, not --max-envelope-size's: checkSizes answers a smaller limit
  // with PAYLOAD_TOO_LARGE, and registering reads nothing of the context.
  const bodyLimit = maxSendRequestBytes(MAX_ENVELOPE_CONTENT_BYTES);
  app.post(routes.messages, { bodyLimit }, async (request): Promise<AcceptedSend> => {
    try {
      await enforce(ctx.limits.accessAddress, request.ip, 'unauthenticated requests from this address');
      checkSizes(request.body, ctx.config.maxEnvelopeBytes);
      const send = parseRequest(unauthenticatedSendRequestSchema, request.body, 'send request');
      const { account, kind } = requireAccessKey(await ctx.store.getAccount(send.recipient), send.accessKey);
      const capability = accessKeyLimitKey(send.recipient, kind);
      await enforce(ctx.limits.accessSend, capability, 'sends with this access key');
      checkDevices(null, send, account);
      const bytes = send.ephemeral ? 0 : requestBytes(send);
      await takeAccessBytes(ctx.limits, capability, bytes);
      try {
        return await deliverSend(ctx, null, send);
      } catch (error) {
        // Nothing was stored: nothing counts against the quota.
        await ctx.limits.accessBytes.refund(capability, bytes);
        throw error;
      }
    } catch (error) {
      ctx.metrics.sendsRefused.inc({ code: toRelayServerError(error).code });
      throw error;
    }
  });
}
