/**
 * The relay's crypto, in one place: signature checks, the account-id check
 * and sealed-sender certificate issuance, all through crypto-core (the relay
 * never imports libsignal itself, so it checks exactly what clients check).
 * Nothing outside this folder touches crypto-core's native entry.
 */

export { type MultiRecipientEntry, type MultiRecipientMessage, parseMultiRecipientUpload } from './multi-recipient.js';
export { findUnusableKey, type UploadedKeys } from './public-keys.js';
export { SealedSenderAuthority } from './sealed-sender.js';
export {
  type ChallengeProof,
  findBadPreKeySignature,
  identityKeyMatchesAccount,
  type SignedKeys,
  verifyChallengeSignature,
} from './signatures.js';
