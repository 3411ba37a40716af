/**
 * A record <-> the bytes that get sealed: JSON (byte arrays tagged), padded
 * so a row's sealed size tells only its bucket: 128 bytes, then powers of
 * two (a text's row falls in one of a few buckets, not its exact length).
 * Padding is ISO/IEC 7816-4, as for message content (docs/protocol.md §6):
 * the bytes, one 0x80, then zeros.
 */
import { fromBase64, fromUtf8, toBase64, utf8 } from '@parley/crypto-core/encoding';
import { EngineError, EngineErrorCode } from '../errors.js';

const BYTES_TAG = '\u0000bytes';
const ESCAPED_BYTES_TAG = JSON.stringify(BYTES_TAG).slice(1, -1);
const SMALLEST_BUCKET = 128;
const PADDING_MARKER = 0x80;

export function paddedRowLength(length: number): number {
  let bucket = SMALLEST_BUCKET;
  while (bucket < length + 1) bucket *= 2;
  return bucket;
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  if (original instanceof Uint8Array) return { [BYTES_TAG]: toBase64(original) };
  if (
    original instanceof Date ||
    original instanceof Map ||
    original instanceof Set ||
    original instanceof ArrayBuffer ||
    ArrayBuffer.isView(original)
  ) {
    throw new EngineError(
      EngineErrorCode.Internal,
      `a record field holds a ${original.constructor.name}, which rows do not store`,
    );
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const tagged = (value as Record<string, unknown>)[BYTES_TAG];
    if (typeof tagged === 'string') return fromBase64(tagged);
  }
  return value;
}

/** Whether a value holds anything but JSON's own types (byte arrays, or what rows must not hold). */
function needsReplacer(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(needsReplacer);
  if (Object.getPrototypeOf(value) !== Object.prototype) return true;
  for (const key in value) if (needsReplacer((value as Record<string, unknown>)[key])) return true;
  return false;
}

export function encodeRow(row: object): Uint8Array {
  // Most rows hold only strings, numbers, booleans and null: JSON's fast path, without a replacer call per value.
  const json = utf8(needsReplacer(row) ? JSON.stringify(row, replacer) : JSON.stringify(row));
  const padded = new Uint8Array(paddedRowLength(json.byteLength));
  padded.set(json);
  padded[json.byteLength] = PADDING_MARKER;
  return padded;
}

export function decodeRow(padded: Uint8Array): Record<string, unknown> {
  let end = padded.byteLength - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== PADDING_MARKER) {
    throw new EngineError(EngineErrorCode.Storage, 'a stored row has no padding marker');
  }
  const text = fromUtf8(padded.subarray(0, end));
  // The reviver (a call per value) only for rows that hold byte arrays; JSON escapes the tag's NUL as \u0000.
  const value: unknown = text.includes(ESCAPED_BYTES_TAG) ? JSON.parse(text, reviver) : JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EngineError(EngineErrorCode.Storage, 'a stored row is not a record');
  }
  return value as Record<string, unknown>;
}
