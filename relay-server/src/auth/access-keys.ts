/**
 * Access keys (docs/protocol.md, "Reaching an account: access keys"): who
 * may send to an account, or fetch its bundles, is whoever presents one of
 * the two keys it registered, whoever they are. The relay keeps only the
 * SHA-256 of each key (a copy of its database lets no one send) and compares
 * hashes in constant time, both of them every time, so neither the timing
 * nor the answer says which key came close.
 *
 * The rule, for a request addressing `account`:
 * - from the account itself (its own other devices): no key needed;
 * - the account registered keys: a key matching one of them, else ACCESS_DENIED;
 * - it registered none (a client that predates access keys): authenticated
 *   senders on this relay need none; unauthenticated ones are refused.
 * Unauthenticated requests get ACCESS_DENIED for an account that does not
 * exist too, so the answer tells a stranger nothing about who has an account.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { fromBase64, toBase64 } from '@parley/crypto-core/encoding';
import type { AccessKeyKind } from '@parley/crypto-core/wire';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import type { AccessKeyHashes, StoredAccount } from '../storage/relay-store.js';

/** base64 SHA-256 of an access key given as (wire-validated, canonical) base64. */
export function accessKeyHash(accessKey: string): string {
  return toBase64(createHash('sha256').update(fromBase64(accessKey)).digest());
}

/** Both keys' hashes, as the store keeps them. */
export function accessKeyHashes(codeKey: string, contactKey: string): AccessKeyHashes {
  return { codeKeyHash: accessKeyHash(codeKey), contactKeyHash: accessKeyHash(contactKey) };
}

function sameHash(a: string, b: string): boolean {
  const left = fromBase64(a);
  const right = fromBase64(b);
  return left.byteLength === right.byteLength && timingSafeEqual(left, right);
}

/** Which of `keys` the presented key is, or null: compares against both, always. */
export function matchAccessKey(keys: AccessKeyHashes, presented: string): AccessKeyKind | null {
  const hash = accessKeyHash(presented);
  const isCode = sameHash(keys.codeKeyHash, hash);
  const isContact = sameHash(keys.contactKeyHash, hash);
  if (isCode) return 'code';
  return isContact ? 'contact' : null;
}

/** Hashes no key has (all zero bytes), compared against when there is nothing to compare. */
const UNMATCHABLE: AccessKeyHashes = {
  codeKeyHash: toBase64(new Uint8Array(32)),
  contactKeyHash: toBase64(new Uint8Array(32)),
};

export function accessDenied(): RelayServerError {
  return new RelayServerError(
    RelayErrorCode.AccessDenied,
    "this needs an access key of the account, and none was given or it is not the account's",
  );
}

/**
 * The account an unauthenticated request addresses (null: it does not
 * exist) and the kind of key it presented. Throws ACCESS_DENIED, the same
 * for an unknown account, one without keys and a wrong key; hashes and
 * compares the presented key in every case.
 */
export function requireAccessKey(
  account: StoredAccount | null,
  presented: string,
): { readonly account: StoredAccount; readonly kind: AccessKeyKind } {
  if (account === null || account.accessKeys === null) {
    // The same work as a comparison, so the refusal takes as long as a wrong key's.
    matchAccessKey(UNMATCHABLE, presented);
    throw accessDenied();
  }
  const kind = matchAccessKey(account.accessKeys, presented);
  if (kind === null) throw accessDenied();
  return { account, kind };
}

/**
 * An authenticated request from `requester` addressing `account`: nothing
 * to check for the account itself or for one without keys (the transition
 * rule); otherwise the presented key must match. Returns the matching kind,
 * or null when no key was needed.
 */
export function checkAuthenticatedAccess(
  requester: string,
  account: StoredAccount,
  presented: string | undefined,
): AccessKeyKind | null {
  if (requester === account.accountId || account.accessKeys === null) return null;
  if (presented === undefined) throw accessDenied();
  const kind = matchAccessKey(account.accessKeys, presented);
  if (kind === null) throw accessDenied();
  return kind;
}
