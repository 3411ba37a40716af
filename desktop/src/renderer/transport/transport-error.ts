/**
 * Why a vault call never reached the vault, or its answer never came back.
 * Vault failures arrive as Results (invoke.ts); these are the transport's own
 * and are thrown (the promise rejects), because the caller cannot know
 * whether the vault ran the call and must decide itself whether to retry.
 */

export type VaultTransportErrorCode =
  /** The page was not opened from the URL the web shell printed (no token in it). */
  | 'NO_TOKEN'
  /** The web shell refused the token: the shell was restarted, or the link is stale. */
  | 'FORBIDDEN'
  /** Another page took over the vault; this one stopped. */
  | 'SUPERSEDED'
  /** No answer within the call timeout. */
  | 'TIMEOUT'
  /** The connection dropped after the call was sent: it may or may not have run. */
  | 'DISCONNECTED'
  /** The transport was closed by its owner. */
  | 'CLOSED';

export class VaultTransportError extends Error {
  override readonly name = 'VaultTransportError';
  constructor(
    readonly code: VaultTransportErrorCode,
    message: string,
  ) {
    super(message);
  }

  static is(value: unknown, code?: VaultTransportErrorCode): value is VaultTransportError {
    return value instanceof VaultTransportError && (code === undefined || value.code === code);
  }
}
