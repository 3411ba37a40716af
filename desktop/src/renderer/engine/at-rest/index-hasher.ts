/**
 * Keyed hashes of indexed values: HMAC-SHA256 under the index subkey, first
 * 16 bytes, base64url, as the vault's row ids are made (sealed-rows.ts). The
 * domain (table and key path) goes into the hash, so the same account id
 * hashes differently as a contact's key and as an outbox recipient: rows of
 * different tables cannot be linked by equal values. Equal values in one
 * place still hash equally: that is what makes equality lookups work, and
 * what they reveal (which rows share a value, never the value).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toBase64Url, utf8 } from '@parley/crypto-core/encoding';
import { EngineError, EngineErrorCode } from '../errors.js';

const HASH_BYTES = 16;
/** Low-cardinality values (conversation ids, states, directions) repeat: their hashes are kept. */
const CACHE_LIMIT = 4096;

/** A stable, typed text form of one IndexedDB key value (strings and numbers never collide). */
function keyText(value: unknown): string {
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'number') return `n${Object.is(value, -0) ? 0 : value}`;
  if (value instanceof Date) return `d${value.getTime()}`;
  if (value instanceof Uint8Array) return `b${Array.from(value).join(',')}`;
  throw new EngineError(EngineErrorCode.Internal, 'only strings, numbers, dates and bytes can be hashed index values');
}

export class IndexHasher {
  readonly #base: ReturnType<typeof hmac.create>;
  /** Reused for every hash (no allocation per value): the HMAC state is copied into it, then finished. */
  readonly #scratch: ReturnType<typeof hmac.create>;
  readonly #digest = new Uint8Array(32);
  readonly #cache = new Map<string, string>();

  constructor(key: Uint8Array) {
    this.#base = hmac.create(sha256, key);
    this.#scratch = hmac.create(sha256, key);
  }

  hash(domain: string, value: unknown): string {
    const input = `${domain}\u0000${keyText(value)}`;
    const cached = this.#cache.get(input);
    if (cached !== undefined) return cached;
    this.#base._cloneInto(this.#scratch);
    this.#scratch.update(utf8(input));
    this.#scratch.digestInto(this.#digest);
    const hashed = toBase64Url(this.#digest.subarray(0, HASH_BYTES));
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(input, hashed);
    return hashed;
  }
}
