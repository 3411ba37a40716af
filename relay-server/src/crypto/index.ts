/**
 * The relay's crypto, in one place: signature checks, the account-id check
 * and sealed-sender certificate issuance. Nothing outside this folder touches
 * libsignal or crypto-core's native entry, so swapping an implementation
 * (e.g. for crypto-core's own helpers) changes only these files.
 */
export { decodeBase64, encodeBase64 } from './encoding.js';
export { SealedSenderAuthority } from './sealed-sender.js';
export {
  findBadPreKeySignature,
  identityKeyMatchesAccount,
  type SignedKeys,
  verifyIdentitySignature,
} from './signatures.js';
