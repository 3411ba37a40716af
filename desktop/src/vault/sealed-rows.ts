/**
 * How one vault record becomes one database row, so that the database file
 * says nothing without the vault key:
 *
 *   row id  = HMAC-SHA256(rowId subkey, logical key)[0..16]
 *   sealed  = sealAtRest(rowValue subkey, frame, associated data = row id)
 *   frame   = u16 BE length of logical key || logical key (UTF-8) || payload
 *
 * The logical key ("session␟<account id>␟<device id>", ...) names what the row
 * is; hashing it with a secret key gives ids that reveal neither account ids
 * nor record kinds, yet stay stable so a record is updated in place. The
 * logical key travels inside the sealed value, so unlocking can rebuild the
 * whole store from a table scan without any plaintext index. The row id as
 * associated data binds each value to its row: sealed values cannot be moved
 * or swapped between rows, even by someone who can write the file.
 */
import { createHmac } from 'node:crypto';
import { type Bytes, equalBytes, openAtRest, sealAtRest } from '@parley/crypto-core';
import type { VaultSubkeys } from './vault-subkeys.js';

export const ROW_ID_BYTES = 16;
const MAX_LOGICAL_KEY_BYTES = 0xffff;

export interface OpenedRow {
  readonly logicalKey: string;
  readonly payload: Bytes;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

export class RowSealer {
  readonly #rowIdKey: Bytes;
  readonly #valueKey: Bytes;

  constructor(subkeys: VaultSubkeys) {
    this.#rowIdKey = subkeys.rowId;
    this.#valueKey = subkeys.rowValue;
  }

  rowId(logicalKey: string): Bytes {
    const digest = createHmac('sha256', this.#rowIdKey).update(logicalKey, 'utf8').digest();
    return new Uint8Array(digest.buffer, digest.byteOffset, ROW_ID_BYTES).slice();
  }

  async seal(rowId: Uint8Array, logicalKey: string, payload: Uint8Array): Promise<Bytes> {
    const key = textEncoder.encode(logicalKey);
    if (key.byteLength > MAX_LOGICAL_KEY_BYTES) throw new Error('logical key too long');
    const frame = new Uint8Array(2 + key.byteLength + payload.byteLength);
    frame[0] = key.byteLength >>> 8;
    frame[1] = key.byteLength & 0xff;
    frame.set(key, 2);
    frame.set(payload, 2 + key.byteLength);
    return sealAtRest(this.#valueKey, frame, rowId);
  }

  /** Opens a row; throws when it does not authenticate or does not belong to its row id. */
  async open(rowId: Uint8Array, sealed: Uint8Array): Promise<OpenedRow> {
    const frame = await openAtRest(this.#valueKey, sealed, rowId);
    if (frame.byteLength < 2) throw new Error('vault row frame is too short');
    const keyLength = ((frame[0] ?? 0) << 8) | (frame[1] ?? 0);
    if (frame.byteLength < 2 + keyLength) throw new Error('vault row frame is truncated');
    const logicalKey = textDecoder.decode(frame.subarray(2, 2 + keyLength));
    // Sealing already bound the value to this row id; this also proves the id
    // is the one the logical key hashes to, so updates land on the same row.
    if (!equalBytes(this.rowId(logicalKey), rowId)) throw new Error('vault row is filed under a foreign id');
    return { logicalKey, payload: frame.slice(2 + keyLength) };
  }
}
