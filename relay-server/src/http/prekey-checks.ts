/**
 * What the relay checks in every set of uploaded keys, at registration and
 * on PUT /v1/keys, before the store sees them: each key is one a peer can use
 * (INVALID_KEY, naming the key) and each signed key is signed by the
 * identity key (INVALID_SIGNATURE, naming the key). Ids named twice in one
 * upload never get here (the wire schema refuses them); ids already stored
 * with another key, and the per-device limits, are the store's to check
 * (PREKEY_ID_CONFLICT, TOO_MANY_PREKEYS), in the transaction that writes.
 */
import { findBadPreKeySignature, findUnusableKey, type UploadedKeys } from '../crypto/index.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';

export function assertUsableUpload(identityKey: string, keys: UploadedKeys): void {
  const unusable = findUnusableKey(keys);
  if (unusable !== null) {
    throw new RelayServerError(
      RelayErrorCode.InvalidKey,
      `${unusable} is not a usable public key (wrong type, small order or out-of-range coefficients)`,
    );
  }
  const badKey = findBadPreKeySignature(identityKey, keys);
  if (badKey !== null) {
    throw new RelayServerError(RelayErrorCode.InvalidSignature, `the signature of ${badKey} does not verify`);
  }
}
