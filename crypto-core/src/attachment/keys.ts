/**
 * An attachment's key: 64 random bytes, fresh for every attachment. The
 * first 32 are the AES-256-CBC key, the last 32 the HMAC-SHA256 key
 * (docs/protocol.md §11).
 */
import { randomBytes } from 'node:crypto';
import { type Bytes, bytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';

export const ATTACHMENT_KEY_BYTES = 64;

export interface AttachmentKeyParts {
  readonly aesKey: Uint8Array;
  readonly macKey: Uint8Array;
}

/** A fresh random attachment key. */
export function generateAttachmentKey(): Bytes {
  return bytes(randomBytes(ATTACHMENT_KEY_BYTES));
}

/** The key's two halves; INVALID_ENCODING unless it is 64 bytes. */
export function splitAttachmentKey(key: unknown): AttachmentKeyParts {
  if (!(key instanceof Uint8Array) || key.byteLength !== ATTACHMENT_KEY_BYTES) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, `an attachment key is ${ATTACHMENT_KEY_BYTES} bytes`);
  }
  return { aesKey: key.subarray(0, 32), macKey: key.subarray(32) };
}
