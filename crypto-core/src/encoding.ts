/**
 * Byte and text encodings: the one copy of base64, base64url, hex, base32
 * and UTF-8 in Parley (`@parley/crypto-core/encoding`, browser-safe; also
 * re-exported by the package root). Decoders are strict: each accepts only
 * the canonical text of some bytes and throws INVALID_ENCODING otherwise.
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

/**
 * Node's Buffer, when this runs in Node: its base64 and hex codecs are native
 * and 10-60x faster than any JS loop on the vault's and relay's hot paths
 * (every ciphertext passes through here). Typed structurally so that this
 * module stays browser-safe: browsers take the atob/btoa path below.
 */
interface NativeBuffer {
  from(text: string, encoding: 'base64' | 'base64url' | 'hex'): Uint8Array;
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: string): string };
}
const nativeBuffer = (globalThis as { Buffer?: NativeBuffer }).Buffer;

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Value of each base64 and base64url character (both alphabets), -1 for anything else. */
const BASE64_LOOKUP = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64_ALPHABET.length; i++) BASE64_LOOKUP[BASE64_ALPHABET.charCodeAt(i)] = i;
BASE64_LOOKUP['-'.charCodeAt(0)] = 62;
BASE64_LOOKUP['_'.charCodeAt(0)] = 63;

/** Standard base64 (RFC 4648 §4) with `=` padding: the wire encoding of all bytes. */
export const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** base64url (RFC 4648 §5) without padding: tokens and ids that travel in URLs and file names. */
export const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;

/** Lowercase hex, two digits a byte. */
export const HEX_PATTERN = /^(?:[0-9a-f]{2})*$/;

function invalidEncoding(message: string): never {
  throw invalidInput(CryptoErrorCode.InvalidEncoding, message);
}

/** A copy in a plain ArrayBuffer: Node hands out slices of a shared pool, and libsignal wants exactly these bytes. */
function ownBytes(view: Uint8Array): Bytes {
  const out = new Uint8Array(view.byteLength);
  out.set(view);
  return out;
}

function binaryString(data: Uint8Array): string {
  let binary = '';
  // Chunked so String.fromCharCode never gets more arguments than engines allow.
  for (let offset = 0; offset < data.length; offset += 0x8000) {
    binary += String.fromCharCode(...data.subarray(offset, offset + 0x8000));
  }
  return binary;
}

function fromBinaryString(binary: string): Bytes {
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/**
 * True when the bits the last character carries beyond the final byte are
 * zero. With them set, the text decodes to the same bytes as another text, so
 * it is not the canonical form. `dataChars` is the length without padding.
 */
function trailingBitsZero(text: string, dataChars: number): boolean {
  const rest = dataChars % 4;
  if (rest === 0) return true;
  const last = BASE64_LOOKUP[text.charCodeAt(dataChars - 1)] as number;
  // 2 characters carry 1 byte and 4 spare bits; 3 carry 2 bytes and 2 spare bits.
  return rest === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}

/**
 * Whether padded base64 text (already matching BASE64_PATTERN) leaves its
 * spare bits zero, as canonical base64 must: a cheap check on the last data
 * character, so schemas can refuse non-canonical text without decoding it.
 */
export function base64SpareBitsZero(text: string): boolean {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return trailingBitsZero(text, text.length - padding);
}

export function toBase64(data: Uint8Array): string {
  if (nativeBuffer !== undefined) {
    return nativeBuffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  }
  return btoa(binaryString(data));
}

/**
 * Strict canonical base64: refuses other characters, whitespace, missing or
 * extra padding and non-zero trailing bits, so that exactly one text stands
 * for given bytes (what the wire schemas accept; docs/protocol.md).
 */
export function fromBase64(text: string): Bytes {
  if (text.length % 4 !== 0 || !BASE64_PATTERN.test(text)) invalidEncoding('not canonical base64');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (!trailingBitsZero(text, text.length - padding)) invalidEncoding('non-canonical base64');
  if (nativeBuffer !== undefined) return ownBytes(nativeBuffer.from(text, 'base64'));
  return fromBinaryString(atob(text));
}

/** base64url without padding (43 characters for 32 bytes). */
export function toBase64Url(data: Uint8Array): string {
  if (nativeBuffer !== undefined) {
    return nativeBuffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64url');
  }
  return btoa(binaryString(data)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/** Strict canonical unpadded base64url: refuses padding, the `+`/`/` alphabet, impossible lengths and non-zero trailing bits. */
export function fromBase64Url(text: string): Bytes {
  if (text.length % 4 === 1 || !BASE64URL_PATTERN.test(text)) invalidEncoding('not canonical base64url');
  if (!trailingBitsZero(text, text.length)) invalidEncoding('non-canonical base64url');
  if (nativeBuffer !== undefined) return ownBytes(nativeBuffer.from(text, 'base64url'));
  return fromBinaryString(atob(text.replace(/-/g, '+').replace(/_/g, '/')));
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

/**
 * Strict inverse of toBase32: lowercase RFC 4648 base32 without padding, of
 * a length some whole number of bytes encodes to, with the spare bits of the
 * last character zero. Anything else throws INVALID_ENCODING.
 */
export function fromBase32(text: string): Bytes {
  // 8 characters carry 5 bytes; a tail of 1, 3 or 6 characters is no whole number of bytes.
  const tail = text.length % 8;
  if (tail === 1 || tail === 3 || tail === 6) invalidEncoding('not base32 of whole bytes');
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (let i = 0; i < text.length; i++) {
    const value = BASE32_ALPHABET.indexOf(text.charAt(i));
    if (value < 0) invalidEncoding('not lowercase base32');
    buffer = ((buffer << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >>> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) invalidEncoding('non-canonical base32 (spare bits set)');
  return out;
}

/** Lowercase hex. */
export function toHex(data: Uint8Array): string {
  if (nativeBuffer !== undefined) {
    return nativeBuffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
  }
  let out = '';
  for (const byte of data) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** Strict lowercase hex of whole bytes (what toHex writes); anything else throws. */
export function fromHex(text: string): Bytes {
  if (!HEX_PATTERN.test(text)) invalidEncoding('not lowercase hex of whole bytes');
  if (nativeBuffer !== undefined) return ownBytes(nativeBuffer.from(text, 'hex'));
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
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

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The lowercase 8-4-4-4-12 text of 16 bytes (a UUID's canonical spelling). */
export function uuidFromBytes(data: Uint8Array): string {
  if (data.byteLength !== 16) invalidEncoding('a UUID is 16 bytes');
  const hex = toHex(data);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The 16 bytes of a lowercase 8-4-4-4-12 UUID text (uuidFromBytes reversed). */
export function uuidToBytes(text: string): Bytes {
  if (!UUID_TEXT.test(text)) invalidEncoding('not a lowercase UUID');
  return fromHex(text.replace(/-/g, ''));
}
