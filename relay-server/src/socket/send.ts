/**
 * The `send` event. The sender is always the socket's authenticated device:
 * the request has no sender field (a `source` is an unknown key, refused as
 * BAD_REQUEST by the strict schema), so no one can send as another account.
 *
 * Checks, in order: rate (RATE_LIMITED, per sending account, token bucket),
 * size (PAYLOAD_TOO_LARGE: decoded bytes of any content over
 * --max-envelope-size), shape (BAD_REQUEST), recipient (UNKNOWN_ACCOUNT),
 * and that the messages address exactly the recipient's current devices
 * (DEVICE_MISMATCH with missingDevices/extraDevices; when writing to one's
 * own account, every device but the sending one). Then:
 *
 * - stored sends go to the EnvelopeCommitter; the acknowledgement waits for
 *   the commit, so `ok: true` means durably stored. The store refuses a send
 *   that would pass a recipient device's queue cap (QUEUE_FULL, naming the
 *   recipient and its full devices) or the sender's daily quota
 *   (QUOTA_EXCEEDED, retryAfter until the next UTC day). Sealed envelopes are
 *   stored without a source;
 * - ephemeral sends (typing) are pushed to the devices online on this node
 *   now and never stored.
 */
import {
  type AccountId,
  base64Chars,
  base64DecodedLength,
  MAX_ENVELOPE_CONTENT_BYTES,
  type ParsedSendRequest,
  type SendResult,
  sendRequestSchema,
} from '@parley/crypto-core/wire';
import type { RelayContext } from '../context.js';
import { toWireEnvelope } from '../delivery/wire-envelope.js';
import { newEnvelopeId } from '../envelope-ids.js';
import { RelayErrorCode, RelayServerError, toRelayServerError } from '../errors.js';
import { parseRequest } from '../http/validation.js';
import { enforce } from '../limits/rate-limits.js';
import type { NewEnvelope, SendOutcome, SendRefusal, StoredAccount } from '../storage/relay-store.js';

export interface Sender {
  readonly accountId: AccountId;
  readonly deviceId: number;
}

/**
 * Refuses oversized content before schema validation, so it gets
 * PAYLOAD_TOO_LARGE rather than BAD_REQUEST. The limit is on decoded bytes:
 * base64 of limit + 1 bytes can be as long as base64 of limit bytes, so the
 * text's length alone would let one byte too many through. Text too long to
 * be base64 of `limit` bytes is too large whatever it is.
 */
function checkSizes(raw: unknown, maxBytes: number): void {
  const messages = (raw as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return;
  const limit = Math.min(maxBytes, MAX_ENVELOPE_CONTENT_BYTES);
  for (const [index, message] of messages.entries()) {
    const content = (message as { content?: unknown } | null)?.content;
    if (typeof content !== 'string') continue;
    if (content.length > base64Chars(limit) || base64DecodedLength(content) > limit) {
      throw new RelayServerError(
        RelayErrorCode.PayloadTooLarge,
        `messages.${index}.content is larger than ${limit} bytes`,
      );
    }
  }
}

/** The wire error for a send the store's limits refused. */
function refusalError(refusal: SendRefusal, now: number): RelayServerError {
  if (refusal.reason === 'queue-full') {
    return new RelayServerError(
      RelayErrorCode.QueueFull,
      `the recipient has too many undelivered messages on device ${refusal.fullDevices.join(', ')}: nothing was stored; retry once it has fetched them`,
      undefined,
      { recipient: refusal.recipient, fullDevices: refusal.fullDevices },
    );
  }
  const retryAfter = Math.max(1, Math.ceil((refusal.resetsAt - now) / 1000));
  return new RelayServerError(
    RelayErrorCode.QuotaExceeded,
    `this account sent as many bytes today as this relay allows: nothing was stored; retry in ${retryAfter} s`,
    undefined,
    { retryAfter },
  );
}

function checkDevices(sender: Sender, request: ParsedSendRequest, account: StoredAccount): void {
  const expected = new Set(account.devices.map((device) => device.deviceId));
  // Sync messages to one's own other devices: the sending device is not a recipient.
  if (request.recipient === sender.accountId) expected.delete(sender.deviceId);
  const addressed = new Set(request.messages.map((message) => message.deviceId));
  const missingDevices = [...expected].filter((id) => !addressed.has(id)).sort((a, b) => a - b);
  const extraDevices = [...addressed].filter((id) => !expected.has(id)).sort((a, b) => a - b);
  if (missingDevices.length > 0 || extraDevices.length > 0) {
    throw new RelayServerError(
      RelayErrorCode.DeviceMismatch,
      "the messages do not address exactly the recipient's devices",
      undefined,
      { missingDevices, extraDevices },
    );
  }
}

export async function handleSend(ctx: RelayContext, sender: Sender, raw: unknown): Promise<SendResult> {
  try {
    if (ctx.lifecycle.shuttingDown) {
      throw new RelayServerError(RelayErrorCode.Unavailable, 'the relay is shutting down', undefined, {
        retryAfter: 5,
      });
    }
    enforce(ctx.limits.send, sender.accountId, 'sends');
    checkSizes(raw, ctx.config.maxEnvelopeBytes);
    const request = parseRequest(sendRequestSchema, raw, 'send request');
    const account = await ctx.store.getAccount(request.recipient);
    if (account === null) throw new RelayServerError(RelayErrorCode.UnknownAccount, 'no such recipient on this relay');
    checkDevices(sender, request, account);

    const now = Date.now();
    const envelopes: NewEnvelope[] = request.messages.map((message) => ({
      id: newEnvelopeId(now),
      recipient: request.recipient,
      deviceId: message.deviceId,
      type: message.type,
      source: message.type === 'sealed' ? undefined : { accountId: sender.accountId, deviceId: sender.deviceId },
      content: message.content,
      serverTimestamp: now,
      expiresAt: now + ctx.config.envelopeTtlMs,
    }));

    if (request.ephemeral) {
      for (const envelope of envelopes) {
        const wire = toWireEnvelope(envelope, true);
        for (const connection of ctx.connections.forDevice(envelope.recipient, envelope.deviceId)) {
          connection.pushEphemeral(wire);
          ctx.metrics.ephemeralDelivered.inc();
        }
      }
    } else {
      let outcome: SendOutcome;
      try {
        outcome = await ctx.committer.submit({ sender: sender.accountId, envelopes });
      } catch (error) {
        throw new RelayServerError(RelayErrorCode.Unavailable, 'the envelopes could not be stored: retry', error, {
          retryAfter: 1,
        });
      }
      if (!outcome.ok) throw refusalError(outcome.refusal, Date.now());
    }
    return { ok: true, envelopeIds: envelopes.map((envelope) => envelope.id), serverTimestamp: now };
  } catch (error) {
    const relayError = toRelayServerError(error);
    if (relayError.code === RelayErrorCode.Internal) ctx.logger.error({ err: error }, 'send failed');
    ctx.metrics.sendsRefused.inc({ code: relayError.code });
    ctx.metrics.countRefusal(relayError.code);
    return { ok: false, error: relayError.toWire() };
  }
}
