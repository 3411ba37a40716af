/**
 * Envelope ids: UUIDv7 (RFC 9562), chosen by the relay before the insert.
 * The 48-bit millisecond prefix makes ids roughly time-ordered, which keeps
 * index inserts local; order within a device's queue comes from the store's
 * `seq`, never from the id. Random bits are drawn from a pooled buffer so an
 * id costs no syscall on the send path.
 */
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 512;
const pool = new Uint8Array(16 * POOL_IDS);
let poolOffset = pool.length;

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function newEnvelopeId(now: number = Date.now()): string {
  if (poolOffset >= pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const b = pool.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  // 48-bit big-endian millisecond timestamp.
  const high = Math.floor(now / 2 ** 16);
  b[0] = (high >>> 24) & 0xff;
  b[1] = (high >>> 16) & 0xff;
  b[2] = (high >>> 8) & 0xff;
  b[3] = high & 0xff;
  b[4] = (now >>> 8) & 0xff;
  b[5] = now & 0xff;
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x70; // version 7
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
    out += HEX[b[i] ?? 0];
  }
  return out;
}
