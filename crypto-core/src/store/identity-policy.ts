/**
 * Which remote identity keys are trusted (docs/protocol.md §Identity trust).
 *
 * - A key recorded for the account is trusted iff the offered key is exactly it.
 * - With nothing recorded, a key is trusted on first use only when the account
 *   id commits to it (ids are hashes of identity keys), so neither a relay nor
 *   anyone else can introduce a key for an account they do not own.
 * - A different key is never accepted silently: libsignal reports
 *   UNTRUSTED_IDENTITY and the key stays out of the store until the user
 *   approves it with `trustIdentity` (signal/trust.ts).
 */
import { accountIdMatches } from '../address/account-id.js';
import { equalBytes } from '../encoding.js';
import type { RemoteIdentityRecord } from './protocol-store.js';

export function isTrustedRemoteKey(
  accountId: string,
  offeredKey: Uint8Array,
  recorded: RemoteIdentityRecord | null,
): boolean {
  if (recorded !== null) return equalBytes(recorded.identityKey, offeredKey);
  return accountIdMatches(accountId, offeredKey);
}
