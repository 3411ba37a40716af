/**
 * Why a vault call never reached the vault, or its answer never came back.
 * Vault failures arrive as Results (invoke.ts); these are the transport's own
 * and are thrown (the promise rejects), because the caller cannot know
 * whether the vault ran the call and must decide itself whether to retry.
 */

import { codeSet, ParleyDesktopError } from '../../common/desktop-error.js';

export const VaultTransportErrorCode = {
  /** The page was not opened from the URL the web shell printed (no token in it). */
  NoToken: 'NO_TOKEN',
  /** The web shell refused the token: the shell was restarted, or the link is stale. */
  Forbidden: 'FORBIDDEN',
  /** Another page took over the vault; this one stopped. */
  Superseded: 'SUPERSEDED',
  /** No answer within the call timeout. */
  Timeout: 'TIMEOUT',
  /** The connection dropped after the call was sent: it may or may not have run. */
  Disconnected: 'DISCONNECTED',
  /** The transport was closed by its owner. */
  Closed: 'CLOSED',
} as const;
export type VaultTransportErrorCode = (typeof VaultTransportErrorCode)[keyof typeof VaultTransportErrorCode];

export class VaultTransportError extends ParleyDesktopError<VaultTransportErrorCode> {
  static override readonly errorName = 'VaultTransportError';
  static override readonly codes = codeSet(VaultTransportErrorCode);
}
