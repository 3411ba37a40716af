/**
 * What to do when sending an outbox item failed: one decision table for
 * every error the vault or the relay can give, so the worker only executes.
 */
import { RelayErrorCode } from '@parley/crypto-core/wire';
import { VaultCallError } from '../../common/invoke.js';
import { describeError, EngineError, EngineErrorCode } from './errors.js';
import { RelayCallError, RelayFailure } from './relay-errors.js';
import { isTransientVaultError } from './vault-calls.js';

export type SendFailureAction =
  /** Try again after the backoff delay; `counts` says whether it uses up one of the item's attempts. */
  | { readonly kind: 'retry'; readonly counts: boolean; readonly afterMs: number | null }
  /** Fetch bundles for missing devices, forget gone ones, then try again. */
  | { readonly kind: 'repair-devices'; readonly missing: readonly number[]; readonly gone: readonly number[] }
  /** No session with the recipient: fetch all bundles, then try again. */
  | { readonly kind: 'start-sessions' }
  /** The sealed-sender certificate is missing or stale: fetch a new one, then try again. */
  | { readonly kind: 'refresh-certificate' }
  /**
   * The relay presented a key the recipient's id does not commit to (a forged
   * bundle, or a session on one): refused; tell the user, fail the item (a
   * text can be retried).
   */
  | { readonly kind: 'forged-key' }
  /**
   * The recipient refuses the access key we hold (or, holding none, needs
   * one): retrying cannot help. Mark the contact (the conversation says to
   * ask for their current code) and fail the item.
   */
  | { readonly kind: 'access-denied' }
  /** The vault is locked: the engine stops; the item stays as it is. */
  | { readonly kind: 'vault-locked' }
  /** Will never succeed: fail the message. */
  | { readonly kind: 'fail' };

export function classifySendFailure(error: unknown): SendFailureAction {
  if (RelayCallError.is(error)) {
    switch (error.code) {
      case RelayErrorCode.DeviceMismatch:
        return {
          kind: 'repair-devices',
          missing: error.relayError?.missingDevices ?? [],
          gone: error.relayError?.extraDevices ?? [],
        };
      case RelayErrorCode.RateLimited:
        return { kind: 'retry', counts: false, afterMs: (error.retryAfterSeconds ?? 1) * 1000 };
      case RelayErrorCode.AccessDenied:
        return { kind: 'access-denied' };
      // Connection trouble says nothing about the item: wait for the connection, do not count it.
      case RelayFailure.Disconnected:
      case RelayFailure.Network:
        return { kind: 'retry', counts: false, afterMs: 0 };
      case RelayErrorCode.TokenExpired:
        return { kind: 'retry', counts: false, afterMs: 0 };
      default: {
        if (!error.transient) return { kind: 'fail' };
        const after = error.retryAfterSeconds;
        return { kind: 'retry', counts: true, afterMs: after === null ? null : after * 1000 };
      }
    }
  }
  if (VaultCallError.is(error)) {
    switch (error.code) {
      case 'FORGED_IDENTITY':
      case 'ACCOUNT_ID_MISMATCH':
        return { kind: 'forged-key' };
      case 'NO_SESSION':
        return { kind: 'start-sessions' };
      case 'INVALID_CERTIFICATE':
        return { kind: 'refresh-certificate' };
      case 'LOCKED':
        return { kind: 'vault-locked' };
      default:
        return isTransientVaultError(error) ? { kind: 'retry', counts: true, afterMs: null } : { kind: 'fail' };
    }
  }
  if (EngineError.is(error)) {
    switch (error.code) {
      case EngineErrorCode.ForgedKey:
      case EngineErrorCode.AccountIdMismatch:
        return { kind: 'forged-key' };
      case EngineErrorCode.AccessDenied:
        return { kind: 'access-denied' };
      case EngineErrorCode.RelayUnreachable:
      case EngineErrorCode.Storage:
      case EngineErrorCode.VaultFailed:
        return { kind: 'retry', counts: true, afterMs: null };
      default:
        return { kind: 'fail' };
    }
  }
  // Unknown failures (a bug, a closed database): count them, so they cannot loop forever.
  return { kind: 'retry', counts: true, afterMs: null };
}

/** One line for the outbox's lastError column and the log. */
export function failureSummary(error: unknown): string {
  return describeError(error).slice(0, 300);
}
