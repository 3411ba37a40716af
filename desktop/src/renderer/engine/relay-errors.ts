/**
 * Failures talking to a relay, over HTTP or the socket: the relay's own error
 * code when it answered, or one of the engine's codes when it did not
 * (network failure, timeout, lost connection, an answer that breaks the wire
 * schema). `transient` says whether the same request may succeed later.
 */
import { type RelayError, RelayErrorCode } from '@parley/crypto-core/wire';
import { codeSet, ParleyDesktopError } from '../../common/desktop-error.js';

export const RelayFailure = {
  /** No answer: DNS, refused connection, reset. */
  Network: 'NETWORK',
  /** No answer in time. */
  Timeout: 'TIMEOUT',
  /** The socket was not connected, or dropped before the answer came. */
  Disconnected: 'DISCONNECTED',
  /** An answer that does not match the wire schema. */
  BadResponse: 'BAD_RESPONSE',
} as const;
export type RelayFailure = (typeof RelayFailure)[keyof typeof RelayFailure];

const TRANSIENT: ReadonlySet<string> = new Set<string>([
  RelayFailure.Network,
  RelayFailure.Timeout,
  RelayFailure.Disconnected,
  RelayErrorCode.Unavailable,
  RelayErrorCode.Internal,
  RelayErrorCode.RateLimited,
  RelayErrorCode.TokenExpired,
  // The relay's limits: the same send can pass once the recipient fetched
  // its queue, the next UTC day began, or connections closed.
  RelayErrorCode.QueueFull,
  RelayErrorCode.QuotaExceeded,
  RelayErrorCode.TooManyConnections,
]);

export class RelayCallError extends ParleyDesktopError<RelayErrorCode | RelayFailure> {
  static override readonly errorName = 'RelayCallError';
  static override readonly codes = codeSet(RelayErrorCode, RelayFailure);

  constructor(
    code: RelayErrorCode | RelayFailure,
    message: string,
    /** The relay's error body, when it answered with one. */
    readonly relayError: RelayError | null = null,
    /** HTTP status, when the call was HTTP and got an answer. */
    readonly status: number | null = null,
    cause?: unknown,
  ) {
    super(code, message, cause);
  }

  get transient(): boolean {
    return TRANSIENT.has(this.code);
  }

  /** Seconds the relay asked us to wait, if it did. */
  get retryAfterSeconds(): number | null {
    return this.relayError?.retryAfter ?? null;
  }
}
