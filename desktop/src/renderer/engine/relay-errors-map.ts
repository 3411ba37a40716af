/** Relay failures as the UI sees them (EngineError), for calls the user made directly. */
import { RelayErrorCode } from '@parley/crypto-core/wire';
import { EngineError, EngineErrorCode } from './errors.js';
import { RelayCallError } from './relay-errors.js';

/**
 * The EngineError for a RelayCallError, or null when `error` is something
 * else. `relayUrl`: the address the call used, when the relay may answer to
 * another one (a login or registration signs it).
 */
export function relayFailureError(error: unknown, relayUrl?: string): EngineError | null {
  if (!RelayCallError.is(error)) return null;
  const expected = error.relayError?.relayUrls ?? [];
  if (error.code === RelayErrorCode.InvalidSignature && relayUrl !== undefined && expected.length > 0) {
    if (!expected.includes(relayUrl)) {
      return new EngineError(
        EngineErrorCode.RelayAddressMismatch,
        `the relay at ${relayUrl} answers to ${expected.join(', ')}`,
        error,
        relayUrl,
        expected,
      );
    }
  }
  switch (error.code) {
    case 'NETWORK':
    case 'TIMEOUT':
    case 'DISCONNECTED':
      return new EngineError(EngineErrorCode.RelayUnreachable, 'the relay could not be reached', error);
    case RelayErrorCode.RateLimited:
      return new EngineError(EngineErrorCode.RateLimited, 'the relay asks to wait before trying again', error);
    case RelayErrorCode.UnknownAccount:
      return new EngineError(EngineErrorCode.UnknownAccount, 'the relay knows no such account', error);
    case RelayErrorCode.DeviceTakenOver:
      return new EngineError(EngineErrorCode.TakenOver, 'another install registered this identity', error);
    case RelayErrorCode.AccountIdMismatch:
      return new EngineError(EngineErrorCode.AccountIdMismatch, 'the account id does not match its key', error);
    case RelayErrorCode.InviteRequired:
      return new EngineError(EngineErrorCode.InviteRequired, 'the relay needs an invite code for a new account', error);
    case RelayErrorCode.InviteInvalid:
      return new EngineError(EngineErrorCode.InviteInvalid, 'the relay did not accept the invite code', error);
    case RelayErrorCode.RegistrationClosed:
      return new EngineError(EngineErrorCode.RegistrationClosed, 'the relay registers no new accounts', error);
    default:
      return new EngineError(EngineErrorCode.RelayRefused, `the relay refused: ${error.message}`, error);
  }
}
