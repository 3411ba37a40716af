/**
 * A multi-recipient send (docs/protocol.md §4.9) once its caller is settled:
 * one SSv2 upload for several accounts of this relay becomes one sealed
 * envelope per recipient device, checked and committed as one send.
 *
 * - The upload's recipients must be exactly the named accounts' service ids
 *   (serviceIdFor), none excluded (BAD_REQUEST).
 * - Each recipient is admitted by the access rule of §4.7, as a 1:1 send to
 *   it would be: with an authenticated sender, none needed for its own
 *   account or a keyless one, else a matching key (ACCESS_DENIED); without
 *   one, every recipient's key (ACCESS_DENIED, the same for an unknown
 *   account, one without keys and a wrong key). The refusal names the first
 *   recipient refused.
 * - Every recipient's devices in the upload must be exactly its current
 *   devices (minus the sending device on its own account), each once and
 *   with its current registration id: else DEVICE_MISMATCH listing every
 *   recipient that differs (`mismatches`).
 * - Each recipient's part is one envelope per device, all committed in one
 *   transaction or none (deliverEnvelopes): a full queue anywhere refuses
 *   the whole send.
 *
 * Nothing here logs a recipient, and no error message names one: accounts
 * travel only in the error's fields, to the sender.
 */
import { toBase64 } from '@parley/crypto-core/encoding';
import {
  type AccountId,
  type MultiRecipient,
  type RecipientDeviceMismatch,
  serviceIdFor,
} from '@parley/crypto-core/wire';
import { checkAuthenticatedAccess, requireAccessKey } from '../auth/access-keys.js';
import type { RelayContext } from '../context.js';
import type { MultiRecipientEntry, MultiRecipientMessage } from '../crypto/index.js';
import { newEnvelopeId } from '../envelope-ids.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import { accessKeyLimitKey } from '../limits/rate-limits.js';
import type { NewEnvelope, StoredAccount } from '../storage/relay-store.js';
import { addressableDevices, type Sender } from './accept-send.js';

/** One recipient admitted to the send. */
export interface AdmittedRecipient {
  readonly account: StoredAccount;
  /**
   * The access key presented, as its rate limit and quota key
   * (accessKeyLimitKey), on an unauthenticated send; null on an
   * authenticated one, which the sender's own limits cover.
   */
  readonly capability: string | null;
}

/** The recipient's part of the upload, with what it must be delivered to. */
interface RecipientPart {
  readonly admitted: AdmittedRecipient;
  readonly entry: MultiRecipientEntry;
  /** base64 of the bytes each of its devices receives. */
  readonly content: string;
}

/** The same refusal, naming `recipient` (to the sender only: the message stays free of it). */
function naming(error: unknown, recipient: AccountId): unknown {
  if (!RelayServerError.is(error)) return error;
  return new RelayServerError(error.code, error.message, error.cause, { ...error.details, recipient });
}

/**
 * Each named account, admitted under §4.7 in the order named, or the first
 * refusal: UNKNOWN_ACCOUNT (authenticated) or ACCESS_DENIED, naming it.
 * Without a token every recipient must carry a key (BAD_REQUEST otherwise).
 */
export async function admitRecipients(
  ctx: RelayContext,
  sender: Sender | null,
  recipients: readonly MultiRecipient[],
): Promise<AdmittedRecipient[]> {
  const admitted: AdmittedRecipient[] = [];
  for (const recipient of recipients) {
    const account = await ctx.store.getAccount(recipient.accountId);
    try {
      admitted.push(admit(sender, account, recipient));
    } catch (error) {
      throw naming(error, recipient.accountId);
    }
  }
  return admitted;
}

function admit(sender: Sender | null, account: StoredAccount | null, recipient: MultiRecipient): AdmittedRecipient {
  if (sender === null) {
    if (recipient.accessKey === undefined) {
      throw new RelayServerError(RelayErrorCode.BadRequest, 'without a token every recipient needs an accessKey');
    }
    const { account: admitted, kind } = requireAccessKey(account, recipient.accessKey);
    return { account: admitted, capability: accessKeyLimitKey(admitted.accountId, kind) };
  }
  if (account === null) {
    throw new RelayServerError(RelayErrorCode.UnknownAccount, 'a recipient has no account on this relay');
  }
  checkAuthenticatedAccess(sender.accountId, account, recipient.accessKey);
  return { account, capability: null };
}

/**
 * Each admitted recipient's part of the upload: BAD_REQUEST unless the
 * upload is sealed for exactly these accounts and excludes none;
 * PAYLOAD_TOO_LARGE when a part is larger than one envelope may be.
 */
export function splitUpload(
  upload: MultiRecipientMessage,
  admitted: readonly AdmittedRecipient[],
  maxEnvelopeBytes: number,
): RecipientPart[] {
  if (upload.excludedServiceIds.length > 0) {
    throw new RelayServerError(RelayErrorCode.BadRequest, 'the payload excludes recipients; Parley uploads list none');
  }
  const entries = new Map(upload.recipients.map((entry) => [entry.serviceId, entry]));
  const parts = admitted.map((recipient) => {
    const serviceId = serviceIdFor(recipient.account.accountId);
    const entry = entries.get(serviceId);
    if (entry === undefined) {
      throw new RelayServerError(RelayErrorCode.BadRequest, 'the payload is not sealed for every named recipient');
    }
    entries.delete(serviceId);
    const bytes = upload.payloadFor(serviceId);
    if (bytes.byteLength > maxEnvelopeBytes) {
      throw new RelayServerError(
        RelayErrorCode.PayloadTooLarge,
        `each recipient's part is ${bytes.byteLength} bytes, more than the ${maxEnvelopeBytes} of an envelope`,
      );
    }
    return { admitted: recipient, entry, content: toBase64(bytes) };
  });
  if (entries.size > 0) {
    throw new RelayServerError(
      RelayErrorCode.BadRequest,
      'the payload is sealed for accounts the request does not name',
    );
  }
  return parts;
}

/** How one recipient's devices in the upload differ from the devices it must reach, or null when they do not. */
function mismatchOf(sender: Sender | null, part: RecipientPart): RecipientDeviceMismatch | null {
  const expected = new Map(
    addressableDevices(sender, part.admitted.account).map((device) => [device.deviceId, device.registrationId]),
  );
  const named = new Map<number, number>();
  for (const { deviceId, registrationId } of part.entry.devices) {
    if (named.has(deviceId)) {
      throw new RelayServerError(RelayErrorCode.BadRequest, 'the payload names a recipient device twice');
    }
    named.set(deviceId, registrationId);
  }
  const ascending = (ids: Iterable<number>) => [...ids].sort((a, b) => a - b);
  const missingDevices = ascending([...expected.keys()].filter((id) => !named.has(id)));
  const extraDevices = ascending([...named.keys()].filter((id) => !expected.has(id)));
  const staleDevices = ascending(
    [...named]
      .filter(([id, registrationId]) => expected.has(id) && expected.get(id) !== registrationId)
      .map(([id]) => id),
  );
  if (missingDevices.length + extraDevices.length + staleDevices.length === 0) return null;
  return { accountId: part.admitted.account.accountId, missingDevices, extraDevices, staleDevices };
}

/** DEVICE_MISMATCH, listing every recipient whose devices the upload does not match exactly. */
export function checkUploadDevices(sender: Sender | null, parts: readonly RecipientPart[]): void {
  const mismatches = parts.map((part) => mismatchOf(sender, part)).filter((found) => found !== null);
  if (mismatches.length > 0) {
    throw new RelayServerError(
      RelayErrorCode.DeviceMismatch,
      "the payload does not address exactly some recipients' current devices",
      undefined,
      { mismatches },
    );
  }
}

/** One sealed envelope per recipient device, recipients in the order named and devices ascending. */
export function multiRecipientEnvelopes(parts: readonly RecipientPart[], now: number, ttlMs: number): NewEnvelope[] {
  return parts.flatMap((part) =>
    part.entry.devices
      .map((device) => device.deviceId)
      .sort((a, b) => a - b)
      .map((deviceId) => ({
        id: newEnvelopeId(now),
        recipient: part.admitted.account.accountId,
        deviceId,
        type: 'sealed' as const,
        content: part.content,
        serverTimestamp: now,
        expiresAt: now + ttlMs,
      })),
  );
}
