/**
 * Checks both stores apply to their arguments, so that they refuse exactly the
 * same inputs. The server validates every request against the wire schemas
 * before it reaches storage; these checks guard what the store itself relies
 * on (a byte field that would not come back identical, a cursor SQLite would
 * misread), not the wire rules.
 */
import { fromBase64 } from '@parley/crypto-core/encoding';
import { invalidInput } from './relay-store-errors.js';

/**
 * Decodes canonical standard base64 (crypto-core's strict decoder), as a
 * Buffer over the decoded bytes for SQLite to bind as a BLOB. A non-canonical
 * string stored as a blob would read back as a different string: refuse it
 * instead of silently changing a ciphertext.
 */
export function decodeCanonicalBase64(value: string, field: string): Buffer {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(value);
  } catch {
    throw invalidInput(`${field} is not canonical base64`);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The canonical-base64 check alone, for stores that keep the text. */
export function assertCanonicalBase64(value: string, field: string): void {
  decodeCanonicalBase64(value, field);
}

/** A queue cursor: an integer >= 0 (0 = from the start). */
export function assertCursor(afterSeq: number): void {
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw invalidInput('afterSeq must be an integer >= 0');
}

/** A page size: an integer. Below 1 means an empty page (SQLite would read LIMIT -1 as "no limit"). */
export function assertLimit(limit: number): void {
  if (!Number.isSafeInteger(limit)) throw invalidInput('limit must be an integer');
}
