/**
 * At-rest encryption of local data (vault records, Dexie message bodies):
 * XChaCha20-Poly1305-IETF AEAD (libsodium) with a random 24-byte nonce.
 *
 *   sealed = version (1 byte, 0x01) || nonce (24) || ciphertext || tag (16)
 *   AEAD additional data = version byte || associatedData
 *
 * A random 192-bit nonce per seal is safe for any realistic number of seals
 * under one key. The associated data binds a sealed value to its place (e.g.
 * "message-body:<conversation>:<message id>"), so values cannot be swapped
 * between records; it is not stored in the sealed bytes.
 */
import { type Bytes, bytes, concatBytes, utf8 } from '../encoding.js';
import { CryptoErrorCode, invalidInput, ParleyCryptoError } from '../errors.js';
import { SYMMETRIC_KEY_BYTES } from './passphrase-key.js';
import { loadSodium, sodiumFailure } from './sodium.js';

/** The format byte in front of every sealed value. */
export const AT_REST_VERSION = 0x01;
export const AT_REST_NONCE_BYTES = 24;
export const AT_REST_TAG_BYTES = 16;
/** Bytes a sealed value adds to its plaintext (version + nonce + tag). */
export const AT_REST_OVERHEAD = 1 + AT_REST_NONCE_BYTES + AT_REST_TAG_BYTES;

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.byteLength !== SYMMETRIC_KEY_BYTES) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, `at-rest key must be ${SYMMETRIC_KEY_BYTES} bytes`);
  }
}

function additionalData(associatedData: Uint8Array | string): Bytes {
  if (typeof associatedData === 'string') return concatBytes(Uint8Array.of(AT_REST_VERSION), utf8(associatedData));
  if (associatedData instanceof Uint8Array) return concatBytes(Uint8Array.of(AT_REST_VERSION), associatedData);
  throw invalidInput(CryptoErrorCode.InvalidEncoding, 'associated data must be a string or bytes');
}

/** A fresh random 32-byte at-rest key. */
export async function generateKey(): Promise<Bytes> {
  const sodium = await loadSodium();
  return bytes(sodium.crypto_aead_xchacha20poly1305_ietf_keygen());
}

/**
 * Encrypts and authenticates `plaintext` under `key`, bound to
 * `associatedData` (a string is UTF-8 encoded). Returns the sealed bytes.
 */
export async function sealAtRest(
  key: Uint8Array,
  plaintext: Uint8Array,
  associatedData: Uint8Array | string,
): Promise<Bytes> {
  checkKey(key);
  if (!(plaintext instanceof Uint8Array))
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'plaintext must be bytes');
  const ad = additionalData(associatedData);
  const sodium = await loadSodium();
  try {
    const nonce = sodium.randombytes_buf(AT_REST_NONCE_BYTES);
    const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
    return concatBytes(Uint8Array.of(AT_REST_VERSION), nonce, ciphertext);
  } catch (error) {
    throw sodiumFailure('XChaCha20-Poly1305 encrypt', error);
  }
}

/**
 * Opens a value sealed by `sealAtRest` with the same key and associated data.
 * Throws INVALID_MESSAGE when it is too short, of an unknown version, or fails
 * to authenticate (tampered, wrong key or wrong associated data); a key that
 * is not 32 bytes is a caller error (INVALID_ENCODING).
 */
export async function openAtRest(
  key: Uint8Array,
  sealed: Uint8Array,
  associatedData: Uint8Array | string,
): Promise<Bytes> {
  checkKey(key);
  const ad = additionalData(associatedData);
  if (!(sealed instanceof Uint8Array) || sealed.byteLength < AT_REST_OVERHEAD) {
    throw invalidInput(CryptoErrorCode.InvalidMessage, 'sealed value is too short');
  }
  if (sealed[0] !== AT_REST_VERSION) {
    throw invalidInput(CryptoErrorCode.InvalidMessage, 'sealed value has an unknown format version', {
      version: sealed[0],
    });
  }
  const sodium = await loadSodium();
  const nonce = sealed.subarray(1, 1 + AT_REST_NONCE_BYTES);
  const ciphertext = sealed.subarray(1 + AT_REST_NONCE_BYTES);
  try {
    return bytes(sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, ad, nonce, key));
  } catch (error) {
    if (ParleyCryptoError.is(error)) throw error;
    // libsodium's only failure here is "ciphertext cannot be decrypted using that key".
    throw new ParleyCryptoError(
      CryptoErrorCode.InvalidMessage,
      'sealed value failed to authenticate (tampered, wrong key or wrong associated data)',
      error,
    );
  }
}
