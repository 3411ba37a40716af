/**
 * Attachment sizes (docs/protocol.md §11, Attachments): the padding bucket a
 * plaintext of `size` bytes is padded to before encryption, and the exact
 * length of the blob that results. Integer arithmetic only, so every
 * implementation computes the same buckets. Browser-safe.
 */
import { CryptoErrorCode, invalidInput } from '../errors.js';

/** Largest attachment (plaintext bytes) a pointer may describe: 2 GiB. Relays set lower limits. */
export const MAX_ATTACHMENT_BYTES = 2 * 1024 ** 3;
/** The smallest padding bucket. */
export const MIN_ATTACHMENT_BUCKET = 541;
/** Bytes of the AES-256-CBC initialisation vector at the start of a blob. */
export const ATTACHMENT_IV_BYTES = 16;
/** Bytes of the HMAC-SHA256 at the end of a blob. */
export const ATTACHMENT_MAC_BYTES = 32;
/** AES block size. */
const BLOCK_BYTES = 16;

function assertSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'attachment size must be a non-negative integer', { size });
  }
  if (size > MAX_ATTACHMENT_BYTES) {
    throw invalidInput(CryptoErrorCode.ContentTooLarge, `attachments are at most ${MAX_ATTACHMENT_BYTES} bytes`, {
      size,
    });
  }
}

/**
 * The padded plaintext length for `size` bytes: the smallest bucket >= size,
 * where bucket 0 is 541 and each next bucket adds 5% of the last, rounded
 * down (at least 1). So the relay sees sizes only to within about 5%.
 */
export function attachmentPaddedSize(size: number): number {
  assertSize(size);
  let bucket = MIN_ATTACHMENT_BUCKET;
  while (bucket < size) bucket += Math.max(1, Math.floor(bucket / 20));
  return bucket;
}

/** Bytes of the blob for a plaintext of `size` bytes: IV, CBC ciphertext of the padded plaintext (PKCS#7), MAC. */
export function attachmentCiphertextLength(size: number): number {
  const padded = attachmentPaddedSize(size);
  return ATTACHMENT_IV_BYTES + (Math.floor(padded / BLOCK_BYTES) + 1) * BLOCK_BYTES + ATTACHMENT_MAC_BYTES;
}
