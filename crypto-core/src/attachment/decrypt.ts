/**
 * Checking and decrypting an attachment blob against its pointer
 * (docs/protocol.md §11). One pass over the blob, memory flat. The checks,
 * in this order, each with its own code:
 *
 *   1. length: the blob must be exactly attachmentCiphertextLength(size)
 *      bytes: shorter is ATTACHMENT_TRUNCATED, longer ATTACHMENT_TAMPERED;
 *   2. MAC: HMAC-SHA256(macKey, iv || ciphertext) must equal the last 32
 *      bytes, else ATTACHMENT_TAMPERED (a changed byte, or the wrong key);
 *   3. digest: SHA-256 of the blob must equal the pointer's, else
 *      ATTACHMENT_DIGEST_MISMATCH (an authentic blob that is not the one the
 *      pointer names);
 *   4. padding: the plaintext after `size` bytes must be zeros under valid
 *      PKCS#7, else ATTACHMENT_TAMPERED.
 *
 * READ THIS BEFORE USING decryptAttachment: plaintext is yielded as it is
 * decrypted, before the checks above can run, so it is trustworthy only when
 * iteration ENDS WITHOUT AN ERROR. Stage it (a temporary file) and show or
 * keep it only then; on any error discard it. verifyAttachment runs the
 * checks without decrypting, for callers that verify a download first.
 */
import { createDecipheriv, createHash, createHmac, type Decipher, timingSafeEqual } from 'node:crypto';
import { assertByteSource, type ByteSource, sourceSlices } from '../backup/byte-reader.js';
import { type Bytes, bytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput, ParleyCryptoError } from '../errors.js';
import { splitAttachmentKey } from './keys.js';
import { ATTACHMENT_IV_BYTES, ATTACHMENT_MAC_BYTES, attachmentCiphertextLength } from './sizes.js';

export const ATTACHMENT_DIGEST_BYTES = 32;

/** What the pointer says about the blob. */
export interface AttachmentExpectation {
  /** 64 bytes. */
  readonly key: Uint8Array;
  /** SHA-256 of the blob, 32 bytes. */
  readonly digest: Uint8Array;
  /** Plaintext bytes. */
  readonly size: number;
}

function tampered(message: string, detail?: unknown): ParleyCryptoError<'ATTACHMENT_TAMPERED'> {
  return invalidInput(CryptoErrorCode.AttachmentTampered, message, detail);
}

/**
 * The state of one pass: routes each byte of the blob to the IV, the
 * ciphertext or the MAC by its position, hashing all of it.
 */
class BlobReader {
  readonly #length: number;
  readonly #macKey: Uint8Array;
  readonly #aesKey: Uint8Array | null;
  readonly #digest = createHash('sha256');
  readonly #mac;
  readonly #iv = new Uint8Array(ATTACHMENT_IV_BYTES);
  readonly #tag = new Uint8Array(ATTACHMENT_MAC_BYTES);
  #decipher: Decipher | null = null;
  #position = 0;

  constructor(expected: AttachmentExpectation, decrypt: boolean) {
    const { aesKey, macKey } = splitAttachmentKey(expected.key);
    if (!(expected.digest instanceof Uint8Array) || expected.digest.byteLength !== ATTACHMENT_DIGEST_BYTES) {
      throw invalidInput(CryptoErrorCode.InvalidEncoding, `an attachment digest is ${ATTACHMENT_DIGEST_BYTES} bytes`);
    }
    this.#length = attachmentCiphertextLength(expected.size);
    this.#macKey = macKey;
    this.#aesKey = decrypt ? aesKey : null;
    this.#mac = createHmac('sha256', this.#macKey);
  }

  /** Takes the next slice of the blob; returns the plaintext it decrypts to (empty when not decrypting). */
  push(slice: Uint8Array): Uint8Array {
    if (this.#position + slice.byteLength > this.#length) {
      throw tampered('the blob is longer than its pointer says', { length: this.#length });
    }
    this.#digest.update(slice);
    const macStart = this.#length - ATTACHMENT_MAC_BYTES;
    let offset = 0;
    let plaintext: Uint8Array = EMPTY;
    while (offset < slice.byteLength) {
      const at = this.#position + offset;
      if (at < ATTACHMENT_IV_BYTES) {
        const take = Math.min(ATTACHMENT_IV_BYTES - at, slice.byteLength - offset);
        this.#iv.set(slice.subarray(offset, offset + take), at);
        this.#mac.update(slice.subarray(offset, offset + take));
        offset += take;
        if (at + take === ATTACHMENT_IV_BYTES && this.#aesKey !== null) {
          this.#decipher = createDecipheriv('aes-256-cbc', this.#aesKey, this.#iv);
        }
      } else if (at < macStart) {
        const body = slice.subarray(offset, offset + Math.min(macStart - at, slice.byteLength - offset));
        this.#mac.update(body);
        if (this.#decipher !== null) plaintext = this.#decipher.update(body);
        offset += body.byteLength;
      } else {
        const take = slice.byteLength - offset;
        this.#tag.set(slice.subarray(offset), at - macStart);
        offset += take;
      }
    }
    this.#position += slice.byteLength;
    return plaintext;
  }

  /** Runs checks 1-3; returns the rest of the plaintext (PKCS#7 removed) when decrypting. */
  finish(expectedDigest: Uint8Array): Uint8Array {
    if (this.#position < this.#length) {
      throw invalidInput(CryptoErrorCode.AttachmentTruncated, 'the blob ends before its pointer says it does', {
        received: this.#position,
        length: this.#length,
      });
    }
    if (!timingSafeEqual(this.#mac.digest(), this.#tag)) {
      throw tampered('the blob fails to authenticate (changed, or not encrypted with this key)');
    }
    if (!timingSafeEqual(this.#digest.digest(), expectedDigest)) {
      throw invalidInput(
        CryptoErrorCode.AttachmentDigestMismatch,
        "the blob is not the one the pointer's digest names",
      );
    }
    if (this.#decipher === null) return EMPTY;
    try {
      return this.#decipher.final();
    } catch (error) {
      throw new ParleyCryptoError(CryptoErrorCode.AttachmentTampered, 'the blob has invalid padding', error);
    }
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Decrypts a blob, yielding the attachment's `size` plaintext bytes in
 * slices; see the warning at the top of this module. Errors:
 * ATTACHMENT_TRUNCATED, ATTACHMENT_TAMPERED, ATTACHMENT_DIGEST_MISMATCH
 * (checked in that order at the end), INVALID_ENCODING for a bad key,
 * digest or size. Errors of `source` itself propagate unchanged.
 */
export async function* decryptAttachment(
  source: ByteSource,
  expected: AttachmentExpectation,
): AsyncGenerator<Bytes, void, undefined> {
  assertByteSource(source);
  const reader = new BlobReader(expected, true);
  let remaining = expected.size;
  let nonZeroPadding = false;
  // Plaintext up to `size` goes out; what follows is padding and must be zeros.
  const deliver = (plaintext: Uint8Array): Bytes | null => {
    const keep = Math.min(remaining, plaintext.byteLength);
    for (let i = keep; i < plaintext.byteLength; i++) if (plaintext[i] !== 0) nonZeroPadding = true;
    remaining -= keep;
    return keep > 0 ? bytes(plaintext.subarray(0, keep)) : null;
  };
  for await (const slice of sourceSlices(source)) {
    const out = deliver(reader.push(slice));
    if (out !== null) yield out;
  }
  const last = deliver(reader.finish(expected.digest));
  if (remaining > 0 || nonZeroPadding) {
    throw tampered('the blob does not decrypt to the size its pointer says, followed by zeros');
  }
  if (last !== null) yield last;
}

/** Runs every check but padding (which needs the key's AES half) without decrypting; resolves when all pass. */
export async function verifyAttachment(source: ByteSource, expected: AttachmentExpectation): Promise<void> {
  assertByteSource(source);
  const reader = new BlobReader(expected, false);
  for await (const slice of sourceSlices(source)) reader.push(slice);
  reader.finish(expected.digest);
}
