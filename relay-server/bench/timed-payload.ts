/**
 * Envelope content for the benchmark: ~600 bytes, like a typical Signal
 * ciphertext of a short message, carrying its send time so the receiver can
 * compute the latency without any lookup. The servers treat content as
 * opaque base64, as they must.
 *
 * Layout: bytes 0..7 the send time (float64 LE, performance.now() of the
 * load process), byte 8 zero, bytes 9..599 fixed random filler. 9 and 591 are
 * multiples of 3, so the two parts encode to base64 separately and are just
 * concatenated: only 12 characters are encoded per send.
 */
import { randomBytes } from 'node:crypto';

export const PAYLOAD_BYTES = 600;
const HEAD_BYTES = 9;
const HEAD_CHARS = (HEAD_BYTES / 3) * 4;
const FILLER = randomBytes(PAYLOAD_BYTES - HEAD_BYTES).toString('base64');

export function timedPayload(sentAt: number): string {
  const head = Buffer.alloc(HEAD_BYTES);
  head.writeDoubleLE(sentAt, 0);
  return head.toString('base64') + FILLER;
}

/** The send time inside a payload made by timedPayload; NaN for anything else. */
export function sentAtOf(content: string): number {
  if (content.length < HEAD_CHARS) return Number.NaN;
  const head = Buffer.from(content.slice(0, HEAD_CHARS), 'base64');
  return head.length >= 8 ? head.readDoubleLE(0) : Number.NaN;
}
