/** Base64 of the wire (already validated as canonical by the schemas) to the bytes crypto-core (libsignal underneath) wants. */
type Bytes = Uint8Array<ArrayBuffer>;

export function decodeBase64(text: string): Bytes {
  const buffer = Buffer.from(text, 'base64');
  // A fresh ArrayBuffer-backed copy: libsignal wants Uint8Array<ArrayBuffer>, not a pooled Buffer slice.
  const out = new Uint8Array(buffer.byteLength);
  out.set(buffer);
  return out;
}

export function encodeBase64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}
