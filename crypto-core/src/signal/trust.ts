/**
 * What the user decides about a contact's identity key (docs/protocol.md
 * §Identity trust): only whether safety numbers were compared.
 *
 * Which key is trusted is not a decision: an account id is a hash of its
 * identity key, so the one key the id commits to is trusted and any other is a
 * forgery (store/identity-policy.ts). Nothing here can record another key;
 * `trustIdentity` refuses one with ACCOUNT_ID_MISMATCH, in case a caller
 * passes a key it took from somewhere untrusted.
 */
import { PublicKey } from '@signalapp/libsignal-client';
import { assertAccountIdMatches, isAccountId } from '../address/account-id.js';
import { bytes, equalBytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput, ParleyCryptoError } from '../errors.js';
import type { ProtocolStore, RemoteIdentityRecord } from '../store/protocol-store.js';

/** Store failures become INTERNAL (retryable), like everywhere else in the Signal layer. */
async function storeCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw ParleyCryptoError.is(error) ? error : new ParleyCryptoError(CryptoErrorCode.Internal, 'store failed', error);
  }
}

export interface TrustIdentityOptions {
  /**
   * true: the user compared safety numbers for this key ('verified'); false:
   * that mark is withdrawn ('first-use'); absent: the recorded trust stays
   * ('first-use' for a key not recorded yet).
   */
  readonly verified?: boolean;
  /** Time recorded with the decision (ms since epoch). */
  readonly now?: number;
}

function canonicalIdentityKey(identityKey: Uint8Array): Uint8Array<ArrayBuffer> {
  try {
    return PublicKey.deserialize(bytes(identityKey)).serialize();
  } catch (error) {
    throw new ParleyCryptoError(CryptoErrorCode.InvalidEncoding, 'identity key is not a public key', error);
  }
}

/**
 * Records `identityKey` for `accountId` with the trust level the options say.
 * The key must be the one the account id commits to (ACCOUNT_ID_MISMATCH
 * otherwise, and nothing is written).
 */
export async function trustIdentity(
  store: ProtocolStore,
  accountId: string,
  identityKey: Uint8Array,
  options: TrustIdentityOptions = {},
): Promise<RemoteIdentityRecord> {
  if (!isAccountId(accountId)) throw invalidInput(CryptoErrorCode.InvalidEncoding, 'not an account id');
  const key = canonicalIdentityKey(identityKey);
  assertAccountIdMatches(accountId, key);
  const recorded = await storeCall(() => store.getRemoteIdentity(accountId));
  const recordedTrust = recorded !== null && equalBytes(recorded.identityKey, key) ? recorded.trust : 'first-use';
  const record: RemoteIdentityRecord = {
    identityKey: key,
    trust: options.verified === undefined ? recordedTrust : options.verified ? 'verified' : 'first-use',
    updatedAt: options.now ?? Date.now(),
  };
  await storeCall(() => store.saveRemoteIdentity(accountId, record));
  return record;
}

/** The identity recorded for `accountId` (null if none), for showing trust state. */
export async function getTrustedIdentity(
  store: ProtocolStore,
  accountId: string,
): Promise<RemoteIdentityRecord | null> {
  if (!isAccountId(accountId)) throw invalidInput(CryptoErrorCode.InvalidEncoding, 'not an account id');
  return storeCall(() => store.getRemoteIdentity(accountId));
}
