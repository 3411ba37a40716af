/**
 * The `send` event. The sender is always the socket's authenticated device:
 * the request has no sender field (a `source` is an unknown key, refused as
 * BAD_REQUEST by the strict schema), so no one can send as another account.
 *
 * Checks, in order: rate (RATE_LIMITED, per sending account, token bucket),
 * size (PAYLOAD_TOO_LARGE), shape (BAD_REQUEST), recipient (UNKNOWN_ACCOUNT),
 * and that the messages address exactly the recipient's current devices
 * (DEVICE_MISMATCH with missingDevices/extraDevices; when writing to one's
 * own account, every device but the sending one). Then:
 *
 * - stored sends go to the EnvelopeCommitter; the acknowledgement waits for
 *   the commit, so `ok: true` means durably stored. Sealed envelopes are
 *   stored without a source;
 * - ephemeral sends (typing) are pushed to the devices online on this node
 *   now and never stored.
 */
import {
  type AccountId,
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
import type { NewEnvelope, StoredAccount } from '../storage/relay-store.js';

export interface Sender {
  readonly accountId: AccountId;
  readonly deviceId: number;
}

function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/** Refuses oversized content before schema validation, so it gets PAYLOAD_TOO_LARGE rather than BAD_REQUEST. */
function checkSizes(raw: unknown, maxBytes: number): void {
  const messages = (raw as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return;
  const limit = Math.min(maxBytes, MAX_ENVELOPE_CONTENT_BYTES);
  for (const [index, message] of messages.entries()) {
    const content = (message as { content?: unknown } | null)?.content;
    if (typeof content === 'string' && content.length > base64Length(limit)) {
      throw new RelayServerError(
        RelayErrorCode.PayloadTooLarge,
        `messages.${index}.content is larger than ${limit} bytes`,
      );
    }
  }
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
      try {
        await ctx.committer.submit(envelopes);
      } catch (error) {
        throw new RelayServerError(RelayErrorCode.Unavailable, 'the envelopes could not be stored: retry', error, {
          retryAfter: 1,
        });
      }
    }
    return { ok: true, envelopeIds: envelopes.map((envelope) => envelope.id), serverTimestamp: now };
  } catch (error) {
    const relayError = toRelayServerError(error);
    if (relayError.code === RelayErrorCode.Internal) ctx.logger.error({ err: error }, 'send failed');
    ctx.metrics.sendsRefused.inc({ code: relayError.code });
    return { ok: false, error: relayError.toWire() };
  }
}
