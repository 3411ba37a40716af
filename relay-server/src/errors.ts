/**
 * The relay's one error type, modelled on crypto-core's ParleyCryptoError: a
 * machine-readable `code` from the wire catalogue (`RelayErrorCode`), a static
 * `is()` guard that also narrows by code, and `cause` always set. HTTP routes
 * and socket handlers throw it; the HTTP error handler and the socket
 * acknowledgements turn it into the wire's error body, so a client only ever
 * branches on codes.
 */
import {
  type AccountId,
  RELAY_ERROR_HTTP_STATUS,
  type RecipientDeviceMismatch,
  type RelayError,
  RelayErrorCode,
} from '@parley/crypto-core/wire';
import { isPostgresUnreachable } from './storage/postgres-connection.js';
import { RelayStoreError, RelayStoreErrorCode } from './storage/relay-store-errors.js';

export { RelayErrorCode };

/** Extra fields some codes carry on the wire (see relayErrorSchema). */
export interface RelayErrorDetails {
  /** RATE_LIMITED / UNAVAILABLE: seconds to wait before retrying. */
  readonly retryAfter?: number | undefined;
  /** DEVICE_MISMATCH: devices the sender did not address. */
  readonly missingDevices?: readonly number[] | undefined;
  /** DEVICE_MISMATCH: devices the sender addressed that do not exist. */
  readonly extraDevices?: readonly number[] | undefined;
  /** QUEUE_FULL: the recipient of the refused send (multi-recipient sends: also the recipient refused)... */
  readonly recipient?: AccountId | undefined;
  /** ...and its devices without room. */
  readonly fullDevices?: readonly number[] | undefined;
  /** INVALID_SIGNATURE over a challenge: the URLs this relay accepts signatures for. */
  readonly relayUrls?: readonly string[] | undefined;
  /** DEVICE_MISMATCH of a multi-recipient send: each recipient whose devices differ. */
  readonly mismatches?: readonly RecipientDeviceMismatch[] | undefined;
  /** An HTTP status other than the code's usual one (e.g. 415 for a BAD_REQUEST content type). */
  readonly httpStatus?: number | undefined;
}

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(RelayErrorCode));

export class RelayServerError<C extends RelayErrorCode = RelayErrorCode> extends Error {
  override readonly name = 'RelayServerError';
  readonly code: C;
  override readonly cause: unknown;
  readonly details: RelayErrorDetails;

  constructor(code: C, message: string, cause?: unknown, details: RelayErrorDetails = {}) {
    const effectiveCause = cause ?? new Error(message);
    super(message, { cause: effectiveCause });
    this.code = code;
    this.cause = effectiveCause;
    this.details = details;
  }

  get httpStatus(): number {
    return this.details.httpStatus ?? RELAY_ERROR_HTTP_STATUS[this.code];
  }

  /** The wire body (`relayErrorSchema`): code, message and the extra fields of this code. */
  toWire(): RelayError {
    const body: RelayError = { code: this.code, message: this.message.slice(0, 1000) };
    if (this.details.retryAfter !== undefined) body.retryAfter = this.details.retryAfter;
    if (this.details.missingDevices !== undefined) body.missingDevices = [...this.details.missingDevices];
    if (this.details.extraDevices !== undefined) body.extraDevices = [...this.details.extraDevices];
    if (this.details.recipient !== undefined) body.recipient = this.details.recipient;
    if (this.details.fullDevices !== undefined) body.fullDevices = [...this.details.fullDevices];
    if (this.details.relayUrls !== undefined) body.relayUrls = [...this.details.relayUrls];
    if (this.details.mismatches !== undefined) {
      body.mismatches = this.details.mismatches.map((mismatch) => ({
        ...mismatch,
        missingDevices: [...mismatch.missingDevices],
        extraDevices: [...mismatch.extraDevices],
        staleDevices: [...mismatch.staleDevices],
      }));
    }
    return body;
  }

  /**
   * True when `value` is a RelayServerError, optionally with the given code.
   * Works across module copies (checks the shape, not only the prototype).
   */
  static is<C extends RelayErrorCode>(value: unknown, code?: C): value is RelayServerError<C> {
    if (value === null || typeof value !== 'object') return false;
    const candidate = value as { name?: unknown; code?: unknown };
    if (!(value instanceof RelayServerError)) {
      if (candidate.name !== 'RelayServerError') return false;
      if (typeof candidate.code !== 'string' || !KNOWN_CODES.has(candidate.code)) return false;
    }
    return code === undefined || candidate.code === code;
  }
}

/** The usual HTTP status of a code (for errors that do not come from RelayServerError). */
export function httpStatusOf(code: RelayErrorCode): number {
  return RELAY_ERROR_HTTP_STATUS[code];
}

/** Store refusals that are the client's to act on, and the wire code each becomes (same message). */
const STORE_REFUSALS: Readonly<Partial<Record<RelayStoreErrorCode, RelayErrorCode>>> = {
  [RelayStoreErrorCode.TooManyPreKeys]: RelayErrorCode.TooManyPreKeys,
  [RelayStoreErrorCode.PreKeyIdConflict]: RelayErrorCode.PreKeyIdConflict,
  [RelayStoreErrorCode.RegistrationClosed]: RelayErrorCode.RegistrationClosed,
  [RelayStoreErrorCode.InviteRequired]: RelayErrorCode.InviteRequired,
  [RelayStoreErrorCode.InviteInvalid]: RelayErrorCode.InviteInvalid,
};

/**
 * Any thrown value as a RelayServerError. Store failures a client can act on
 * keep their meaning (a device deleted meanwhile is UNKNOWN_ACCOUNT, a closed
 * store, a stopped SQLite writer thread or an unreachable database UNAVAILABLE, a refused prekey upload or registration its own code);
 * anything else is INTERNAL with a generic message, so no internal detail
 * leaks to clients.
 */
export function toRelayServerError(error: unknown): RelayServerError {
  if (RelayServerError.is(error)) return error;
  if (RelayStoreError.is(error)) {
    const code = STORE_REFUSALS[error.code];
    if (code !== undefined) return new RelayServerError(code, error.message, error);
  }
  if (RelayStoreError.is(error, RelayStoreErrorCode.UnknownDevice)) {
    return new RelayServerError(RelayErrorCode.UnknownAccount, 'no such account or device on this relay', error);
  }
  if (RelayStoreError.is(error, RelayStoreErrorCode.StoreClosed)) {
    return new RelayServerError(RelayErrorCode.Unavailable, 'the relay is shutting down', error, { retryAfter: 5 });
  }
  if (RelayStoreError.is(error, RelayStoreErrorCode.WriterStopped)) {
    return new RelayServerError(RelayErrorCode.Unavailable, 'the relay could not store this: retry', error, {
      retryAfter: 1,
    });
  }
  if (isPostgresUnreachable(error)) {
    return new RelayServerError(RelayErrorCode.Unavailable, 'the relay cannot reach its database: retry', error, {
      retryAfter: 1,
    });
  }
  return new RelayServerError(RelayErrorCode.Internal, 'internal error', error);
}
