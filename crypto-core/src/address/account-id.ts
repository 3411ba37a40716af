/**
 * Self-certifying account ids (docs/protocol.md §Account id).
 *
 *   accountId = base32lower( SHA-256( "parley-account-id-v1" || 0x00 || identityPublicKey )[0..20] )
 *
 * where identityPublicKey is libsignal's 33-byte serialized public key
 * (0x05 type byte + 32-byte Curve25519 key). 160 bits, 32 characters.
 * Because the id commits to the key, a relay that serves another key for an
 * id is caught by `assertAccountIdMatches`. Browser-safe (pure-JS SHA-256).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes, toBase32, utf8 } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';

export const ACCOUNT_ID_LENGTH = 32;
export const ACCOUNT_ID_PATTERN = /^[a-z2-7]{32}$/;
const ACCOUNT_ID_DOMAIN = concatBytes(utf8('parley-account-id-v1'), new Uint8Array([0]));
const IDENTITY_KEY_LENGTH = 33;
const DJB_KEY_TYPE = 0x05;

/** Branded string so an arbitrary string cannot be passed where an id is expected. */
export type AccountId = string & { readonly __brand: 'AccountId' };

export function isAccountId(value: unknown): value is AccountId {
  return typeof value === 'string' && ACCOUNT_ID_PATTERN.test(value);
}

export function parseAccountId(value: unknown): AccountId {
  if (!isAccountId(value)) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'account id must be 32 characters of lowercase base32');
  }
  return value;
}

function checkIdentityKeyBytes(identityKey: Uint8Array): void {
  if (identityKey.byteLength !== IDENTITY_KEY_LENGTH || identityKey[0] !== DJB_KEY_TYPE) {
    throw invalidInput(
      CryptoErrorCode.InvalidEncoding,
      'identity key must be a 33-byte serialized Curve25519 public key',
    );
  }
}

/** The account id of a serialized identity public key. */
export function accountIdFromIdentityKey(identityKey: Uint8Array): AccountId {
  checkIdentityKeyBytes(identityKey);
  const digest = sha256(concatBytes(ACCOUNT_ID_DOMAIN, identityKey));
  return toBase32(digest.subarray(0, 20)) as AccountId;
}

/** True when `identityKey` is the key that `accountId` commits to. */
export function accountIdMatches(accountId: string, identityKey: Uint8Array): boolean {
  if (!isAccountId(accountId)) return false;
  try {
    return equalBytes(utf8(accountIdFromIdentityKey(identityKey)), utf8(accountId));
  } catch {
    return false;
  }
}

/** Throws ACCOUNT_ID_MISMATCH unless `identityKey` is the key `accountId` commits to. */
export function assertAccountIdMatches(accountId: string, identityKey: Uint8Array): void {
  checkIdentityKeyBytes(identityKey);
  if (!accountIdMatches(accountId, identityKey)) {
    throw invalidInput(CryptoErrorCode.AccountIdMismatch, 'the identity key does not belong to this account id', {
      accountId,
    });
  }
}
