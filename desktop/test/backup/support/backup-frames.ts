/** Where each secretstream frame of a backup file starts and ends (header: 126 bytes; frame: u32 length + ciphertext). */
import { BACKUP_HEADER_BYTES } from '@parley/crypto-core';

export interface Frame {
  readonly start: number;
  readonly end: number;
}

export function backupFrames(file: Uint8Array): Frame[] {
  const frames: Frame[] = [];
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let offset = BACKUP_HEADER_BYTES;
  while (offset + 4 <= file.byteLength) {
    const end = offset + 4 + view.getUint32(offset);
    frames.push({ start: offset, end });
    offset = end;
  }
  if (offset !== file.byteLength) throw new Error('not a whole backup file');
  return frames;
}

export function withoutRange(file: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(file.byteLength - (end - start));
  out.set(file.subarray(0, start), 0);
  out.set(file.subarray(end), start);
  return out;
}

export function withFlippedBit(file: Uint8Array, offset: number): Uint8Array {
  const out = file.slice();
  out[offset] = (out[offset] ?? 0) ^ 0x10;
  return out;
}
