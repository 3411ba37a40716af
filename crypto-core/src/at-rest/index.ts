/** At-rest encryption and passphrase keys (docs/protocol.md §At rest). Node and browser. */

export {
  ARGON2ID_BOUNDS,
  ARGON2ID_INTERACTIVE,
  ARGON2ID_MODERATE,
  ARGON2ID_SALT_BYTES,
  ARGON2ID_SENSITIVE,
  type Argon2idParams,
  argon2idParamsProblem,
  deriveKeyFromPassphrase,
  generateSalt,
  SYMMETRIC_KEY_BYTES,
} from './passphrase-key.js';
export {
  AT_REST_NONCE_BYTES,
  AT_REST_OVERHEAD,
  AT_REST_TAG_BYTES,
  AT_REST_VERSION,
  generateKey,
  openAtRest,
  sealAtRest,
} from './sealed-box.js';
