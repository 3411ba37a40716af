/**
 * Length-hiding padding of encoded content before it is encrypted
 * (docs/protocol.md §Content padding). Browser-safe.
 *
 * ISO/IEC 7816-4 style: the encoded content, one 0x80 byte, then zero bytes up
 * to the bucket size. Buckets are 160 bytes, then powers of two from 256 up to
 * 65,536, so an observer of ciphertext lengths learns only which of ten
 * buckets a message falls into. 160 keeps typical short texts, receipts and
 * typing notifications in one bucket without doubling them to 256.
 */
import { type Bytes, bytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';

export const CONTENT_PADDING_BUCKETS: readonly number[] = Object.freeze([
  160, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536,
]);

/** Largest padded size: the last bucket. */
export const MAX_PADDED_CONTENT_BYTES = 65536;
/** Largest encoded content that fits: the last bucket minus the 0x80 marker. */
export const MAX_ENCODED_CONTENT_BYTES = MAX_PADDED_CONTENT_BYTES - 1;

const PADDING_MARKER = 0x80;
const BUCKET_SET: ReadonlySet<number> = new Set(CONTENT_PADDING_BUCKETS);

/**
 * The padded size for `encodedLength` bytes of content: the smallest bucket
 * with room for the content and the marker byte. Throws CONTENT_TOO_LARGE
 * above MAX_ENCODED_CONTENT_BYTES.
 */
export function paddedContentLength(encodedLength: number): number {
  if (!Number.isSafeInteger(encodedLength) || encodedLength < 0) {
    throw invalidInput(CryptoErrorCode.InvalidContent, 'content length must be a non-negative integer');
  }
  for (const bucket of CONTENT_PADDING_BUCKETS) {
    if (encodedLength + 1 <= bucket) return bucket;
  }
  throw invalidInput(
    CryptoErrorCode.ContentTooLarge,
    `content is ${encodedLength} bytes encoded; at most ${MAX_ENCODED_CONTENT_BYTES} fit the largest bucket`,
    { encodedLength },
  );
}

/** `encoded || 0x80 || 0x00...` up to its bucket size. */
export function padContent(encoded: Uint8Array): Bytes {
  const padded = new Uint8Array(paddedContentLength(encoded.byteLength));
  padded.set(encoded);
  padded[encoded.byteLength] = PADDING_MARKER;
  return padded;
}

/**
 * The encoded content inside padded bytes. Strict: the length must be a bucket
 * size, the last non-zero byte must be the 0x80 marker, and only zeros may
 * follow it; anything else is INVALID_CONTENT. A sender may pad into a larger
 * bucket than the smallest that fits (to hide more); that is accepted.
 */
export function unpadContent(padded: Uint8Array): Bytes {
  if (!BUCKET_SET.has(padded.byteLength)) {
    throw invalidInput(CryptoErrorCode.InvalidContent, 'padded content length is not a bucket size', {
      length: padded.byteLength,
    });
  }
  let end = padded.byteLength - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== PADDING_MARKER) {
    throw invalidInput(CryptoErrorCode.InvalidContent, 'content padding has no 0x80 marker after the content');
  }
  // A view, not a copy: the result shares the padded buffer.
  return bytes(padded).subarray(0, end);
}
