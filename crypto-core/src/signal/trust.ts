/**
 * Explicit identity trust decisions (docs/protocol.md §Identity trust).
 *
 * The adapters trust a key on first use only when the account id commits to
 * it, and refuse any other key (UNTRUSTED_IDENTITY). Changing that is always
 * an explicit call here, made after the user decided: approving a changed key
 * records the key it replaces, and marking a key verified records that
 * safety numbers were compared.
 *
 * Note that in Parley an account id is a hash of its identity key, so a
 * different key for a known account id cannot be a legitimate key rotation:
 * it is someone else claiming the id. Approving one is for the user who
 * verified it out of band; the UI should say so.
 */
import { PublicKey } from '@signalapp/libsignal-client';
import { isAccountId } from '../address/account-id.js';
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
  /** The user compared safety numbers for this key (trust level 'verified'). */
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
 * Trusts `identityKey` for `accountId`: records it as approved (or verified),
 * replacing and remembering a different key recorded before. Afterwards
 * sessions with that key work; sessions with the replaced key are refused.
 */
export async function trustIdentity(
  store: ProtocolStore,
  accountId: string,
  identityKey: Uint8Array,
  options: TrustIdentityOptions = {},
): Promise<RemoteIdentityRecord> {
  if (!isAccountId(accountId)) throw invalidInput(CryptoErrorCode.InvalidEncoding, 'not an account id');
  const key = canonicalIdentityKey(identityKey);
  const now = options.now ?? Date.now();
  const recorded = await storeCall(() => store.getRemoteIdentity(accountId));
  const sameKey = recorded !== null && equalBytes(recorded.identityKey, key);
  const record: RemoteIdentityRecord = {
    identityKey: key,
    trust: options.verified === true ? 'verified' : sameKey && recorded !== null ? recorded.trust : 'approved',
    updatedAt: now,
    previousIdentityKey: recorded === null ? null : sameKey ? recorded.previousIdentityKey : recorded.identityKey,
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
