/**
 * Multi-recipient sends (docs/protocol.md §4.9), a group message's one
 * upload to this relay:
 *
 *   POST /v1/messages/multi-recipient   (bearer, or none) MultiRecipientSendRequest -> MultiRecipientSendResponse
 *
 * With a token the sender is that device: its account is charged and the
 * §4.7 rule applies per recipient as for its socket sends. Without one, no
 * sender is known or recorded, and each recipient's access key is the
 * capability, as for POST /v1/messages. Checks, in order: the client
 * address's limit (no token) or the token; size (PAYLOAD_TOO_LARGE); shape
 * (BAD_REQUEST); each recipient's access (delivery/multi-recipient-send.ts);
 * the send rate, one send per recipient as if sent 1:1 (the sender's
 * --send-rate, at most one burst; or each key's --access-send-rate); the
 * upload against the named accounts (BAD_REQUEST, PAYLOAD_TOO_LARGE) and
 * their devices (DEVICE_MISMATCH); each key's byte quota (no token). Then
 * every envelope is committed in one transaction (QUEUE_FULL, QUOTA_EXCEEDED
 * refuse all of it), the answer comes after the commit, and the commit
 * wakes the recipients' sockets on every node.
 */
import { fromBase64 } from '@parley/crypto-core/encoding';
import {
  base64Chars,
  MAX_ENVELOPE_CONTENT_BYTES,
  MAX_MULTI_RECIPIENT_PAYLOAD_BYTES,
  MAX_MULTI_RECIPIENTS,
  type MultiRecipientSendResponse,
  multiRecipientSendRequestSchema,
  routes,
} from '@parley/crypto-core/wire';
import type { FastifyInstance } from 'fastify';
import type { RelayContext } from '../context.js';
import { parseMultiRecipientUpload } from '../crypto/index.js';
import { deliverEnvelopes, type Sender } from '../delivery/accept-send.js';
import {
  type AdmittedRecipient,
  admitRecipients,
  checkUploadDevices,
  multiRecipientEnvelopes,
  splitUpload,
} from '../delivery/multi-recipient-send.js';
import { RelayErrorCode, RelayServerError, toRelayServerError } from '../errors.js';
import { enforce, takeAccessBytes } from '../limits/rate-limits.js';
import type { NewEnvelope } from '../storage/relay-store.js';
import { envelopeBytes } from '../storage/store-limits.js';
import { authenticateRegistered } from './authenticate.js';
import { parseRequest } from './validation.js';

/** JSON text one recipient entry may take: `{"accountId":"…","accessKey":"…"},` is 88 characters, spaces aside. */
const RECIPIENT_JSON_CHARS = 128;

/**
 * Largest body: the largest upload as base64, every recipient with a key and
 * room for whitespace, and framing (about 250 KiB).
 */
export const MAX_MULTI_RECIPIENT_BODY_BYTES =
  base64Chars(MAX_MULTI_RECIPIENT_PAYLOAD_BYTES) + MAX_MULTI_RECIPIENTS * RECIPIENT_JSON_CHARS + 4096;

/** PAYLOAD_TOO_LARGE, rather than BAD_REQUEST, for an upload text longer than the largest upload's. */
function checkPayloadSize(raw: unknown): void {
  const payload = (raw as { payload?: unknown } | null)?.payload;
  if (typeof payload === 'string' && payload.length > base64Chars(MAX_MULTI_RECIPIENT_PAYLOAD_BYTES)) {
    throw new RelayServerError(
      RelayErrorCode.PayloadTooLarge,
      `payload is larger than ${MAX_MULTI_RECIPIENT_PAYLOAD_BYTES} bytes`,
    );
  }
}

/** Runs `take` for each recipient in turn, naming the recipient a refusal is about. */
async function forEachRecipient(
  admitted: readonly AdmittedRecipient[],
  take: (recipient: AdmittedRecipient) => Promise<void>,
): Promise<void> {
  for (const recipient of admitted) {
    try {
      await take(recipient);
    } catch (error) {
      const refused = toRelayServerError(error);
      throw new RelayServerError(refused.code, refused.message, error, {
        ...refused.details,
        recipient: recipient.account.accountId,
      });
    }
  }
}

/** An unauthenticated send's rate and quota key for one recipient (admitRecipients sets it for every one). */
function capabilityOf(recipient: AdmittedRecipient): string {
  if (recipient.capability === null) throw new Error('an unauthenticated send admitted a recipient without a key');
  return recipient.capability;
}

/**
 * Charges each recipient's key with the bytes of its own envelopes; on a
 * refusal, gives back what the earlier keys were charged. Returns the charges.
 */
async function chargeKeys(
  ctx: RelayContext,
  admitted: readonly AdmittedRecipient[],
  envelopes: readonly NewEnvelope[],
): Promise<Map<string, number>> {
  const bytes = new Map<string, number>();
  for (const envelope of envelopes) {
    bytes.set(envelope.recipient, (bytes.get(envelope.recipient) ?? 0) + envelopeBytes(envelope));
  }
  const charged = new Map<string, number>();
  try {
    await forEachRecipient(admitted, async (recipient) => {
      const capability = capabilityOf(recipient);
      const cost = bytes.get(recipient.account.accountId) ?? 0;
      await takeAccessBytes(ctx.limits, capability, cost);
      charged.set(capability, cost);
    });
  } catch (error) {
    await refund(ctx, charged);
    throw error;
  }
  return charged;
}

async function refund(ctx: RelayContext, charged: ReadonlyMap<string, number>): Promise<void> {
  for (const [capability, cost] of charged) await ctx.limits.accessBytes.refund(capability, cost);
}

export function registerMultiRecipientRoute(app: FastifyInstance, ctx: RelayContext): void {
  const route = { bodyLimit: MAX_MULTI_RECIPIENT_BODY_BYTES };
  app.post(routes.multiRecipientMessages, route, async (request): Promise<MultiRecipientSendResponse> => {
    try {
      let sender: Sender | null = null;
      if (request.headers.authorization !== undefined) {
        const { device } = await authenticateRegistered(request, ctx);
        sender = { accountId: device.accountId, deviceId: device.deviceId };
      } else {
        await enforce(ctx.limits.accessAddress, request.ip, 'unauthenticated requests from this address');
      }
      checkPayloadSize(request.body);
      const send = parseRequest(multiRecipientSendRequestSchema, request.body, 'multi-recipient send');
      const admitted = await admitRecipients(ctx, sender, send.recipients);
      if (sender !== null) {
        // One send per recipient, as 1:1 sends to each would cost, but never more than a burst.
        const cost = Math.min(admitted.length, ctx.config.sendRate.burst);
        await enforce(ctx.limits.send, sender.accountId, 'sends', cost);
      } else {
        await forEachRecipient(admitted, (recipient) =>
          enforce(ctx.limits.accessSend, capabilityOf(recipient), 'sends with this access key'),
        );
      }
      const upload = parseMultiRecipientUpload(fromBase64(send.payload));
      const maxEnvelopeBytes = Math.min(ctx.config.maxEnvelopeBytes, MAX_ENVELOPE_CONTENT_BYTES);
      const parts = splitUpload(upload, admitted, maxEnvelopeBytes);
      checkUploadDevices(sender, parts);
      const now = Date.now();
      const envelopes = multiRecipientEnvelopes(parts, now, ctx.config.envelopeTtlMs);
      const charged = sender === null && !send.ephemeral ? await chargeKeys(ctx, admitted, envelopes) : new Map();
      try {
        await deliverEnvelopes(ctx, sender?.accountId ?? null, envelopes, send.ephemeral);
      } catch (error) {
        // Nothing was stored: nothing counts against the keys.
        await refund(ctx, charged);
        throw error;
      }
      return {
        ok: true,
        serverTimestamp: now,
        envelopes: envelopes.map((envelope) => ({
          accountId: envelope.recipient,
          deviceId: envelope.deviceId,
          envelopeId: envelope.id,
        })),
      };
    } catch (error) {
      ctx.metrics.sendsRefused.inc({ code: toRelayServerError(error).code });
      throw error;
    }
  });
}
