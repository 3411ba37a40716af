/**
 * Base64 for the vault's hot paths. Node's native codec, because every
 * ciphertext the engine sends or receives passes through here and crypto-core's
 * portable encoder is a JS loop. Input decoded here has already passed the wire
 * schemas (canonical base64), so Node's lenient decoder sees only valid text.
 */
import type { Bytes } from '@parley/crypto-core';

export function toBase64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

/** Decodes base64 that a schema already proved canonical. */
export function fromCheckedBase64(text: string): Bytes {
  const decoded = Buffer.from(text, 'base64');
  // A copy into a plain ArrayBuffer: Node may hand out slices of a shared pool,
  // and libsignal wants Uint8Array<ArrayBuffer> of exactly these bytes.
  const out = new Uint8Array(decoded.byteLength);
  out.set(decoded);
  return out;
}
