/**
 * Which remote identity keys are trusted (docs/protocol.md §Identity trust).
 *
 * An account id is a hash of its identity key (§1), so exactly one key can
 * ever belong to an account: the one its id commits to. That key is trusted,
 * on first use and forever after; any other key presented under the id is a
 * forgery (FORGED_IDENTITY), never a key change, and nothing can make it
 * trusted. The recorded key is what the user sees (safety numbers, the
 * verified mark), not what decides.
 */
import { accountIdMatches } from '../address/account-id.js';

export function isTrustedRemoteKey(accountId: string, offeredKey: Uint8Array): boolean {
  return accountIdMatches(accountId, offeredKey);
}
