/**
 * Encrypting an attachment (docs/protocol.md §11): Signal's attachment
 * construction, streamed. The plaintext is padded with zeros to its bucket
 * (sizes.ts), encrypted with AES-256-CBC (PKCS#7) under a random IV, and
 * authenticated with HMAC-SHA256 over IV || ciphertext (encrypt-then-MAC):
 *
 *   blob   = iv (16) || AES-256-CBC(aesKey, iv, plaintext || zeros) || HMAC-SHA256(macKey, iv || ciphertext) (32)
 *   digest = SHA-256(blob)
 *
 * Memory stays at one input slice whatever the size. Node only (node:crypto:
 * OpenSSL's AES and SHA, several times faster than libsodium's WASM build).
 */
import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { assertByteSource, type ByteSource, sourceSlices } from '../backup/byte-reader.js';
import { type Bytes, bytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';
import { splitAttachmentKey } from './keys.js';
import {
  ATTACHMENT_IV_BYTES,
  attachmentCiphertextLength,
  attachmentPaddedSize,
  MAX_ATTACHMENT_BYTES,
} from './sizes.js';

/** What the sender puts in the pointer besides the key, known once the blob is written. */
export interface EncryptedAttachment {
  /** Plaintext bytes. */
  readonly size: number;
  /** SHA-256 of the whole blob (32 bytes). */
  readonly digest: Bytes;
  /** Bytes of the blob (attachmentCiphertextLength(size)). */
  readonly ciphertextLength: number;
}

export interface AttachmentEncryption {
  /** The blob, slice by slice. Iterate it once. */
  readonly ciphertext: AsyncGenerator<Bytes, void, undefined>;
  /** The size and digest, once `ciphertext` has been read to its end; INVALID_ENCODING before. */
  result(): EncryptedAttachment;
}

export interface EncryptAttachmentOptions {
  /** The IV (16 bytes); random by default. Only test vectors fix it. */
  readonly iv?: Uint8Array | undefined;
  /**
   * The plaintext size the caller announced (e.g. as the upload's length):
   * a source that yields another number of bytes (a file that changed while
   * read) fails with INVALID_ENCODING instead of producing another blob.
   */
  readonly expectedSize?: number | undefined;
}

const ZEROS = new Uint8Array(64 * 1024);

/** Encrypts `source` under `key` (generateAttachmentKey()); see the module comment for the layout. */
export function encryptAttachment(
  source: ByteSource,
  key: Uint8Array,
  options: EncryptAttachmentOptions = {},
): AttachmentEncryption {
  assertByteSource(source);
  const { aesKey, macKey } = splitAttachmentKey(key);
  const iv = options.iv ?? randomBytes(ATTACHMENT_IV_BYTES);
  if (!(iv instanceof Uint8Array) || iv.byteLength !== ATTACHMENT_IV_BYTES) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, `an attachment IV is ${ATTACHMENT_IV_BYTES} bytes`);
  }
  const expectedSize = options.expectedSize;
  if (expectedSize !== undefined) attachmentPaddedSize(expectedSize);
  let result: EncryptedAttachment | undefined;

  async function* ciphertext(): AsyncGenerator<Bytes, void, undefined> {
    const cipher = createCipheriv('aes-256-cbc', aesKey, iv);
    const mac = createHmac('sha256', macKey);
    const digest = createHash('sha256');
    const emit = (part: Uint8Array): Bytes => {
      mac.update(part);
      digest.update(part);
      return bytes(part);
    };
    yield emit(iv);
    let size = 0;
    for await (const slice of sourceSlices(source)) {
      size += slice.byteLength;
      if (size > (expectedSize ?? MAX_ATTACHMENT_BYTES)) {
        throw invalidInput(
          expectedSize === undefined ? CryptoErrorCode.ContentTooLarge : CryptoErrorCode.InvalidEncoding,
          'the attachment is longer than announced (or than attachments may be)',
          { size, expectedSize },
        );
      }
      const out = cipher.update(slice);
      if (out.byteLength > 0) yield emit(out);
    }
    if (expectedSize !== undefined && size !== expectedSize) {
      throw invalidInput(CryptoErrorCode.InvalidEncoding, 'the attachment is shorter than announced', {
        size,
        expectedSize,
      });
    }
    for (let padding = attachmentPaddedSize(size) - size; padding > 0; ) {
      const zeros = ZEROS.subarray(0, Math.min(padding, ZEROS.byteLength));
      padding -= zeros.byteLength;
      const out = cipher.update(zeros);
      if (out.byteLength > 0) yield emit(out);
    }
    yield emit(cipher.final());
    const tag = mac.digest();
    digest.update(tag);
    yield bytes(tag);
    result = { size, digest: bytes(digest.digest()), ciphertextLength: attachmentCiphertextLength(size) };
  }

  return {
    ciphertext: ciphertext(),
    result() {
      if (result === undefined) {
        throw invalidInput(CryptoErrorCode.InvalidEncoding, 'the attachment has not been encrypted to its end yet');
      }
      return result;
    },
  };
}
