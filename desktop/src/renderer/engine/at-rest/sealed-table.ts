/**
 * One table's stored form. A record is stored as
 *
 *   { <each indexed key path>: its stored value, [SEALED_FIELD]: seal(the whole record) }
 *
 * where an indexed value is stored as is only when the table's policy lists
 * its key path as clear (an order key such as a message's position, or an
 * auto-increment counter), and otherwise as its keyed hash (index-hasher.ts):
 * equality lookups still work, ranges and order do not. Everything else,
 * including the plaintext of hashed values, exists only inside the seal.
 *
 * The associated data of the seal is the table name and every stored index
 * value (an auto-increment key excepted: IndexedDB picks it after sealing),
 * so a sealed record cannot be moved to another row, and an index value
 * changed on disk (a message moved to another conversation's index) makes
 * the row fail to open instead of showing up in the wrong place.
 */

import { utf8 } from '@parley/crypto-core/encoding';
import { type DBCoreIndex, type DBCoreKeyRange, type DBCoreTableSchema, Dexie } from 'dexie';
import { EngineError, EngineErrorCode } from '../errors.js';
import type { IndexHasher } from './index-hasher.js';
import { decodeRow, encodeRow } from './row-codec.js';
import type { RowSealer } from './row-sealer.js';

export const SEALED_FIELD = '$sealed';

/** Dexie's DBCoreRangeType (a const enum, which isolated modules cannot import). */
const RANGE_EQUAL = 1;
const RANGE_ANY = 3;
const RANGE_NEVER = 4;

type Row = Record<string, unknown>;

/** A valid IndexedDB key (only those are indexed; anything else stays out of the index, as before). */
function isKey(value: unknown): boolean {
  if (typeof value === 'string') return true;
  if (typeof value === 'number') return !Number.isNaN(value);
  if (value instanceof Date) return !Number.isNaN(value.getTime());
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return true;
  return Array.isArray(value) && value.every(isKey);
}

/** Dexie's MIN_KEY (-Infinity) and MAX_KEY (an array), which bound open ends of compound ranges. */
function isBoundSentinel(value: unknown): boolean {
  return value === undefined || value === Number.NEGATIVE_INFINITY || Array.isArray(value);
}

function sameKey(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' || typeof a === 'number') return a === b;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return false;
}

/** A range mapped to the stored form, and the user values it pins (by key path component). */
export interface StoredRange {
  readonly range: DBCoreKeyRange;
  readonly pinned: ReadonlyMap<number, unknown>;
}

function components(keyPath: string | string[] | null): string[] {
  if (keyPath === null) return [];
  return Array.isArray(keyPath) ? keyPath : [keyPath];
}

export class SealedTable {
  readonly name: string;
  readonly schema: DBCoreTableSchema;
  /** Every key path component some index (or the primary key) reads, sorted. */
  readonly #paths: readonly string[];
  readonly #clear: ReadonlySet<string>;
  readonly #autoKeyPath: string | null;

  constructor(
    schema: DBCoreTableSchema,
    clearPaths: ReadonlySet<string>,
    private readonly sealer: RowSealer,
    private readonly hasher: IndexHasher,
  ) {
    this.name = schema.name;
    this.schema = schema;
    if (schema.primaryKey.outbound) {
      throw new EngineError(EngineErrorCode.Internal, `table ${schema.name}: outbound primary keys are not sealed`);
    }
    const paths = new Set<string>(components(schema.primaryKey.keyPath));
    for (const index of schema.indexes) for (const path of components(index.keyPath)) paths.add(path);
    for (const path of clearPaths) {
      if (!paths.has(path)) {
        throw new EngineError(
          EngineErrorCode.Internal,
          `table ${schema.name}: ${path} is listed clear but not indexed`,
        );
      }
    }
    this.#paths = [...paths].sort();
    this.#clear = clearPaths;
    const pk = schema.primaryKey;
    this.#autoKeyPath = pk.autoIncrement === true && typeof pk.keyPath === 'string' ? pk.keyPath : null;
  }

  isHashed(path: string): boolean {
    return !this.#clear.has(path);
  }

  /** The stored form of one key path's value (a hash unless the path is clear). */
  storedValue(path: string, value: unknown): unknown {
    if (!this.isHashed(path)) return value;
    const domain = `${this.name}\u0000${path}`;
    return Array.isArray(value) ? value.map((item) => this.hasher.hash(domain, item)) : this.hasher.hash(domain, value);
  }

  storedRow(row: Row): Row {
    const stored: Row = {};
    for (const path of this.#paths) {
      const value = Dexie.getByKeyPath(row, path) as unknown;
      if (isKey(value)) Dexie.setByKeyPath(stored, path, this.storedValue(path, value));
    }
    stored[SEALED_FIELD] = this.sealer.seal(encodeRow(row), this.#associatedData(stored));
    return stored;
  }

  userRow(stored: unknown): Row {
    const sealed = (stored as Row | undefined)?.[SEALED_FIELD];
    if (!(sealed instanceof Uint8Array)) {
      throw new EngineError(EngineErrorCode.Storage, `a stored ${this.name} row is not sealed`);
    }
    const row = decodeRow(this.sealer.open(sealed, this.#associatedData(stored as Row)));
    if (this.#autoKeyPath !== null) row[this.#autoKeyPath] = (stored as Row)[this.#autoKeyPath];
    return row;
  }

  userPrimaryKey(row: Row): unknown {
    return this.schema.primaryKey.extractKey?.(row);
  }

  /** A key of `index` (the primary key when null) in stored form. */
  storedKey(index: DBCoreIndex, key: unknown): unknown {
    const paths = components(index.keyPath);
    if (index.compound && Array.isArray(key)) {
      return key.map((part, i) => {
        const path = paths[i];
        return path === undefined || isBoundSentinel(part) ? part : this.storedValue(path, part);
      });
    }
    const path = paths[0];
    if (path === undefined || isBoundSentinel(key)) return key;
    return this.isHashed(path) ? this.hasher.hash(`${this.name}\u0000${path}`, key) : key;
  }

  /**
   * Maps a query range. A hashed component can only be pinned (equal at both
   * ends, after equal components) or left open (Dexie's MIN/MAX bounds);
   * anything else would need the hash to keep order, which it does not: that
   * is a bug in the caller, refused loudly rather than answered wrongly.
   */
  storedRange(index: DBCoreIndex, range: DBCoreKeyRange): StoredRange {
    const pinned = new Map<number, unknown>();
    if (range.type === RANGE_ANY || range.type === RANGE_NEVER) return { range, pinned };
    const paths = components(index.keyPath);
    const compound = index.compound === true;
    const lower: unknown[] = compound ? (Array.isArray(range.lower) ? range.lower : []) : [range.lower];
    const upper: unknown[] = compound ? (Array.isArray(range.upper) ? range.upper : []) : [range.upper];
    let stillPinned = true;
    paths.forEach((path, i) => {
      const low = lower[i];
      const high = range.type === RANGE_EQUAL ? low : upper[i];
      if (stillPinned && !isBoundSentinel(low) && sameKey(low, high)) {
        pinned.set(i, low);
        return;
      }
      stillPinned = false;
      const open = isBoundSentinel(low) && isBoundSentinel(high);
      if (this.isHashed(path) && !open) {
        throw new EngineError(
          EngineErrorCode.Internal,
          `${this.name}.${path} is stored hashed: only equality lookups work on it, not ranges or order`,
        );
      }
    });
    const map = (bound: unknown): unknown => (compound && !Array.isArray(bound) ? bound : this.storedKey(index, bound));
    return {
      range: {
        ...range,
        lower: map(range.lower),
        upper: range.type === RANGE_EQUAL ? map(range.lower) : map(range.upper),
      },
      pinned,
    };
  }

  /** The user form of an index key, from the stored key, the pinned values, or the opened row. */
  userIndexKey(index: DBCoreIndex, storedKey: unknown, pinned: ReadonlyMap<number, unknown>, row: () => Row): unknown {
    const paths = components(index.keyPath);
    const part = (path: string, i: number, stored: unknown): unknown => {
      if (!this.isHashed(path)) return stored;
      if (pinned.has(i)) return pinned.get(i);
      const value = Dexie.getByKeyPath(row(), path) as unknown;
      if (index.multiEntry === true && Array.isArray(value)) {
        return value.find((item) => this.storedValue(path, item) === stored);
      }
      return value;
    };
    if (index.compound === true && Array.isArray(storedKey)) {
      return paths.map((path, i) => part(path, i, storedKey[i]));
    }
    const path = paths[0];
    return path === undefined ? storedKey : part(path, 0, storedKey);
  }

  /** Whether reading this index's keys (or the primary keys) needs the opened rows. */
  keysNeedRows(index: DBCoreIndex, pinned: ReadonlyMap<number, unknown>): boolean {
    const pkHashed = components(this.schema.primaryKey.keyPath).some((path) => this.isHashed(path));
    const indexHashed = components(index.keyPath).some((path, i) => this.isHashed(path) && !pinned.has(i));
    return pkHashed || indexHashed;
  }

  primaryKeyHashed(): boolean {
    return components(this.schema.primaryKey.keyPath).some((path) => this.isHashed(path));
  }

  #associatedData(stored: Row): Uint8Array {
    const entries: [string, unknown][] = [];
    for (const key of Object.keys(stored).sort()) {
      if (key !== SEALED_FIELD && key !== this.#autoKeyPath) entries.push([key, stored[key]]);
    }
    return utf8(JSON.stringify([this.name, entries]));
  }
}
