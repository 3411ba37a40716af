/**
 * libsignal exceptions -> ParleyCryptoError, with the libsignal error as
 * `cause`. libsignal 0.103 gives a distinct ErrorCode only for a few cases
 * (duplicate, untrusted identity, sealed-sender self send, ...); most protocol
 * failures arrive as ErrorCode.Generic with a descriptive message, so those
 * are told apart by message and, failing that, by what the caller was doing
 * (`fallback`): a Generic failure while decrypting is an invalid message,
 * while processing a bundle an invalid bundle.
 *
 * Errors our own store callbacks raise come back stringified inside
 * libsignal's message and carry their code as a marker (store-errors.ts); any
 * other callback failure is a storage failure, mapped to INTERNAL so that it
 * is never mistaken for a bad message.
 */
import { ErrorCode, LibSignalErrorBase } from '@signalapp/libsignal-client';
import { isAccountId } from '../address/account-id.js';
import { CryptoErrorCode, ParleyCryptoError } from '../errors.js';
import { markedCode } from '../store/store-errors.js';

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(CryptoErrorCode));

/**
 * FORGED_IDENTITY, naming the account whose id the refused key claimed (the
 * account that was impersonated), so the app can tell its user about that
 * conversation. The key itself is not kept: nothing is ever done with it.
 */
export class ForgedIdentityError extends ParleyCryptoError<typeof CryptoErrorCode.ForgedIdentity> {
  /** The account the forged key was presented for; null when libsignal did not name it. */
  readonly accountId: string | null;

  constructor(message: string, cause: unknown, accountId: string | null) {
    super(CryptoErrorCode.ForgedIdentity, message, cause);
    this.accountId = accountId;
  }
}

export interface ErrorContext {
  /** Code for a failure that names nothing more specific. */
  readonly fallback: CryptoErrorCode;
  /** Code for libsignal's "invalid signature" (a bad bundle vs. a tampered message). */
  readonly badSignature?: CryptoErrorCode;
}

function codeFromGenericMessage(message: string, context: ErrorContext): CryptoErrorCode {
  const marked = markedCode(message);
  if (marked !== undefined && KNOWN_CODES.has(marked)) return marked as CryptoErrorCode;
  if (message.includes('error in method call')) return CryptoErrorCode.Internal;
  if (/session with .* not found/.test(message)) return CryptoErrorCode.NoSession;
  if (message.includes('missing sender key state')) return CryptoErrorCode.NoSenderKey;
  // Sealed sender v2 authenticates the sender's key and the recipient's part with one tag: a
  // mismatch cannot tell someone else's certificate from a tampered part, so it is an invalid message.
  if (message.includes('does not match authentication tag')) return context.fallback;
  if (message.includes('trust root validation failed') || message.includes('sender certificate key does not match')) {
    return CryptoErrorCode.InvalidCertificate;
  }
  if (/invalid (signed |kyber )?pre ?key (id|identifier)/i.test(message)) return CryptoErrorCode.InvalidKeyId;
  if (message.includes('signature')) return context.badSignature ?? context.fallback;
  return context.fallback;
}

/** libsignal names the address as "<name>" or "<name>.<device>"; account ids contain no dot. */
function accountIdOfAddress(address: string): string | null {
  const name = address.split('.', 1)[0] ?? '';
  return isAccountId(name) ? name : null;
}

function forgedIdentity(error: LibSignalErrorBase): ForgedIdentityError {
  // libsignal's `addr` getter rebuilds a ProtocolAddress for some codes; for
  // UntrustedIdentity it is the "name.device" text. Read it defensively.
  let address: unknown = null;
  try {
    address = error.addr;
  } catch {
    address = null;
  }
  const accountId =
    accountIdOfAddress(typeof address === 'string' ? address : String(address ?? '')) ??
    // Raised by our own saveIdentity callback: the account is in the message.
    /identity key for (\S+) is not the key/.exec(error.message)?.[1] ??
    null;
  return new ForgedIdentityError(error.message, error, accountId);
}

/** The ParleyCryptoError for anything thrown by libsignal (or by our own checks) during an operation. */
export function toCryptoError(error: unknown, context: ErrorContext): ParleyCryptoError {
  if (ParleyCryptoError.is(error)) return error;
  if (error instanceof LibSignalErrorBase) {
    switch (error.code) {
      case ErrorCode.DuplicatedMessage:
        return new ParleyCryptoError(CryptoErrorCode.DuplicateMessage, error.message, error);
      case ErrorCode.UntrustedIdentity:
        // Parley's identity store trusts only the key an account id commits to.
        return forgedIdentity(error);
      case ErrorCode.SealedSenderSelfSend:
      case ErrorCode.InvalidRegistrationId:
        return new ParleyCryptoError(CryptoErrorCode.InvalidMessage, error.message, error);
      case ErrorCode.InvalidProtocolAddress:
        return new ParleyCryptoError(CryptoErrorCode.InvalidEncoding, error.message, error);
      case ErrorCode.VerificationFailed:
        return new ParleyCryptoError(CryptoErrorCode.InvalidSignature, error.message, error);
      case ErrorCode.InvalidSession:
        return new ParleyCryptoError(CryptoErrorCode.NoSession, error.message, error);
      case ErrorCode.InvalidSenderKeySession:
        return new ParleyCryptoError(CryptoErrorCode.NoSenderKey, error.message, error);
      case ErrorCode.Generic: {
        const code = codeFromGenericMessage(error.message, context);
        if (code === CryptoErrorCode.ForgedIdentity) return forgedIdentity(error);
        return new ParleyCryptoError(code, error.message, error);
      }
      default:
        return new ParleyCryptoError(context.fallback, error.message, error);
    }
  }
  // Not from libsignal: a bug or an environment failure, not a property of the input.
  const message = error instanceof Error ? error.message : String(error);
  return new ParleyCryptoError(CryptoErrorCode.Internal, `unexpected failure: ${message}`, error);
}

/** Runs a synchronous libsignal call, mapping whatever it throws. */
export function mapSignalErrors<T>(context: ErrorContext, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw toCryptoError(error, context);
  }
}

/** Runs a libsignal deserializer; whatever it throws is INVALID_ENCODING naming `what` (a key, a record). */
export function parseSerialized<R>(what: string, parse: () => R): R {
  try {
    return parse();
  } catch (error) {
    throw new ParleyCryptoError(CryptoErrorCode.InvalidEncoding, `not a serialized ${what}`, error);
  }
}
