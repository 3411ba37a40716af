/**
 * Byte and text encodings used on the wire and in codes. Browser-safe.
 *
 * libsignal's functions want `Uint8Array<ArrayBuffer>`; `bytes()` gives that
 * view of any Uint8Array without copying when it is already backed by a plain
 * ArrayBuffer.
 */
import { CryptoErrorCode, invalidInput } from './errors.js';

export type Bytes = Uint8Array<ArrayBuffer>;

/** A `Uint8Array<ArrayBuffer>` over the same bytes (copies only a shared/foreign buffer). */
export function bytes(input: Uint8Array): Bytes {
  if (input.buffer instanceof ArrayBuffer) {
    return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  }
  const copy = new Uint8Array(input.byteLength);
  copy.set(input);
  return copy;
}

export function concatBytes(...parts: readonly Uint8Array[]): Bytes {
  let length = 0;
  for (const part of parts) length += part.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < BASE64_ALPHABET.length; i++) BASE64_LOOKUP[BASE64_ALPHABET.charCodeAt(i)] = i;

/** Standard base64 (RFC 4648 §4) with `=` padding: the wire encoding of all bytes. */
export const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function toBase64(data: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < data.length; i += 3) {
    const n = ((data[i] as number) << 16) | ((data[i + 1] as number) << 8) | (data[i + 2] as number);
    out += `${BASE64_ALPHABET[n >>> 18]}${BASE64_ALPHABET[(n >>> 12) & 63]}${BASE64_ALPHABET[(n >>> 6) & 63]}${BASE64_ALPHABET[n & 63]}`;
  }
  const rest = data.length - i;
  if (rest === 1) {
    const n = (data[i] as number) << 16;
    out += `${BASE64_ALPHABET[n >>> 18]}${BASE64_ALPHABET[(n >>> 12) & 63]}==`;
  } else if (rest === 2) {
    const n = ((data[i] as number) << 16) | ((data[i + 1] as number) << 8);
    out += `${BASE64_ALPHABET[n >>> 18]}${BASE64_ALPHABET[(n >>> 12) & 63]}${BASE64_ALPHABET[(n >>> 6) & 63]}=`;
  }
  return out;
}

/** Strict canonical base64: rejects whitespace, missing padding and non-zero trailing bits. */
export function fromBase64(text: string): Bytes {
  if (text.length % 4 !== 0 || !BASE64_PATTERN.test(text)) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'not canonical base64');
  }
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const a = BASE64_LOOKUP[text.charCodeAt(i)] as number;
    const b = BASE64_LOOKUP[text.charCodeAt(i + 1)] as number;
    const c = text[i + 2] === '=' ? 0 : (BASE64_LOOKUP[text.charCodeAt(i + 2)] as number);
    const d = text[i + 3] === '=' ? 0 : (BASE64_LOOKUP[text.charCodeAt(i + 3)] as number);
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    if (o < out.length) out[o++] = n >>> 16;
    if (o < out.length) out[o++] = (n >>> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  // Canonical form only: the unused low bits of the last quantum must be zero.
  if (toBase64(out) !== text) throw invalidInput(CryptoErrorCode.InvalidEncoding, 'non-canonical base64');
  return out;
}

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lowercase, without padding (used for account ids). */
export function toBase32(data: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of data) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

export function toHex(data: Uint8Array): string {
  let out = '';
  for (const byte of data) out += byte.toString(16).padStart(2, '0');
  return out;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Bytes {
  return utf8Encoder.encode(text) as Bytes;
}

/** Strict UTF-8 decode: invalid sequences throw a typed error instead of becoming U+FFFD. */
export function fromUtf8(data: Uint8Array): string {
  try {
    return utf8Decoder.decode(data);
  } catch (error) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'invalid UTF-8', error);
  }
}
