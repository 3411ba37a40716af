/**
 * What every send goes through once its caller is settled, whether it came
 * over an authenticated socket (socket/send.ts) or unauthenticated over HTTP
 * with the recipient's access key (http/messages.ts): the size check before
 * the schema, the device check, and then delivery (which multi-recipient
 * sends share, delivery/multi-recipient-send.ts):
 *
 * - stored sends go to the EnvelopeCommitter; the answer waits for the
 *   commit, so `ok: true` means durably stored, and the commit wakes the
 *   recipient's live sockets. The store refuses a send that would pass a
 *   recipient device's queue cap (QUEUE_FULL, naming the recipient and its
 *   full devices) or the sender's daily quota (QUOTA_EXCEEDED, retryAfter
 *   until the next UTC day). Sealed envelopes are stored without a source;
 * - ephemeral sends (typing) are pushed to the devices online on this node
 *   now and never stored.
 */
import {
  type AccountId,
  base64Chars,
  base64DecodedLength,
  MAX_DEVICES_PER_SEND,
  MAX_ENVELOPE_CONTENT_BYTES,
  type ParsedSendRequest,
} from '@parley/crypto-core/wire';
import type { RelayContext } from '../context.js';
import { newEnvelopeId } from '../envelope-ids.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import type { NewEnvelope, SendOutcome, SendRefusal, StoredAccount, StoredDevice } from '../storage/relay-store.js';
import { toWireEnvelope } from './wire-envelope.js';

/** An authenticated sending device. */
export interface Sender {
  readonly accountId: AccountId;
  readonly deviceId: number;
}

/** What a send accepted answers (the success variant of SendResult). */
export interface AcceptedSend {
  readonly ok: true;
  readonly envelopeIds: string[];
  readonly serverTimestamp: number;
}

/**
 * Largest encoded send request (a socket.io frame, or the body of POST
 * /v1/messages): one to the most devices at the largest envelope, plus JSON
 * framing.
 */
export function maxSendRequestBytes(maxEnvelopeBytes: number): number {
  const perMessage = Math.ceil(Math.min(maxEnvelopeBytes, MAX_ENVELOPE_CONTENT_BYTES) / 3) * 4 + 256;
  return perMessage * MAX_DEVICES_PER_SEND + 4096;
}

/**
 * Refuses oversized content before schema validation, so it gets
 * PAYLOAD_TOO_LARGE rather than BAD_REQUEST. The limit is on decoded bytes:
 * base64 of limit + 1 bytes can be as long as base64 of limit bytes, so the
 * text's length alone would let one byte too many through. Text too long to
 * be base64 of `limit` bytes is too large whatever it is.
 */
export function checkSizes(raw: unknown, maxBytes: number): void {
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

/**
 * The devices of `account` a send from `sender` (null: unauthenticated) must
 * address: all of them, but not the sending device itself when writing to
 * one's own account (sync messages go to one's other devices).
 */
export function addressableDevices(sender: Sender | null, account: StoredAccount): readonly StoredDevice[] {
  if (sender === null || account.accountId !== sender.accountId) return account.devices;
  return account.devices.filter((device) => device.deviceId !== sender.deviceId);
}

/**
 * DEVICE_MISMATCH unless the messages address exactly the recipient's
 * devices; when writing to one's own account, every device but the sending
 * one (`sender`, null for an unauthenticated send).
 */
export function checkDevices(sender: Sender | null, request: ParsedSendRequest, account: StoredAccount): void {
  const expected = new Set(addressableDevices(sender, account).map((device) => device.deviceId));
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

/** Decoded ciphertext bytes of a send: what quotas count. */
export function requestBytes(request: ParsedSendRequest): number {
  return request.messages.reduce((sum, message) => sum + base64DecodedLength(message.content), 0);
}

/**
 * Delivers a checked send: pushes an ephemeral one to the recipient's online
 * devices, commits any other (charged to `sender`'s account, or to none for
 * an unauthenticated send) and answers once it is durable. Throws the
 * store's refusal, or UNAVAILABLE when the commit failed.
 */
export async function deliverSend(
  ctx: RelayContext,
  sender: Sender | null,
  request: ParsedSendRequest,
): Promise<AcceptedSend> {
  const now = Date.now();
  const envelopes: NewEnvelope[] = request.messages.map((message) => ({
    id: newEnvelopeId(now),
    recipient: request.recipient,
    deviceId: message.deviceId,
    type: message.type,
    source:
      message.type === 'sealed' || sender === null
        ? undefined
        : { accountId: sender.accountId, deviceId: sender.deviceId },
    content: message.content,
    serverTimestamp: now,
    expiresAt: now + ctx.config.envelopeTtlMs,
  }));
  await deliverEnvelopes(ctx, sender?.accountId ?? null, envelopes, request.ephemeral);
  return { ok: true, envelopeIds: envelopes.map((envelope) => envelope.id), serverTimestamp: now };
}

/**
 * Delivers the envelopes of one checked send, 1:1 or multi-recipient: pushes
 * ephemeral ones to the devices online now (here and, through Redis, on
 * other nodes), or commits them all or none, charged to `charged`'s daily
 * bytes (null: no account), and resolves once they are durable; the commit
 * wakes the recipients' sockets. Throws the store's refusal (QUEUE_FULL,
 * QUOTA_EXCEEDED), or UNAVAILABLE when the commit failed.
 */
export async function deliverEnvelopes(
  ctx: RelayContext,
  charged: AccountId | null,
  envelopes: readonly NewEnvelope[],
  ephemeral: boolean,
): Promise<void> {
  if (ephemeral) {
    for (const envelope of envelopes) {
      const wire = toWireEnvelope(envelope, true);
      for (const connection of ctx.connections.forDevice(envelope.recipient, envelope.deviceId)) {
        connection.pushEphemeral(wire);
        ctx.metrics.ephemeralDelivered.inc();
      }
      ctx.cluster?.ephemeral(envelope.recipient, envelope.deviceId, wire);
    }
    return;
  }
  let outcome: SendOutcome;
  try {
    outcome = await ctx.committer.submit({ sender: charged, envelopes });
  } catch (error) {
    throw new RelayServerError(RelayErrorCode.Unavailable, 'the envelopes could not be stored: retry', error, {
      retryAfter: 1,
    });
  }
  if (!outcome.ok) throw refusalError(outcome.refusal, Date.now());
}
