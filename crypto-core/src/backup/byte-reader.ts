/**
 * Reads exact byte counts from arbitrarily sliced input, holding at most one
 * slice plus the bytes being assembled.
 */
import { CryptoErrorCode, invalidInput } from '../errors.js';

/** Bytes in slices of any size: an async stream (file, network) or a plain iterable (an array of chunks). */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Throws INVALID_ENCODING unless `source` is iterable (sync or async). */
export function assertByteSource(source: unknown): asserts source is ByteSource {
  const iterable =
    source !== null &&
    typeof source === 'object' &&
    ((Symbol.asyncIterator in source && typeof source[Symbol.asyncIterator] === 'function') ||
      (Symbol.iterator in source && typeof source[Symbol.iterator] === 'function'));
  if (!iterable) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'backup source must be an (async) iterable of Uint8Array');
  }
}

/** Each slice of the source, checked to be bytes. */
export async function* sourceSlices(source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const slice of source) {
    if (!(slice instanceof Uint8Array)) {
      throw invalidInput(CryptoErrorCode.InvalidEncoding, 'backup source yielded something other than a Uint8Array');
    }
    yield slice;
  }
}

const EMPTY = new Uint8Array(0);

export class ByteReader {
  readonly #iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  /** The unread rest of the current slice. */
  #current: Uint8Array = EMPTY;
  #ended = false;
  /** Reused for reads that straddle slices; results are only valid until the next read anyway. */
  #scratch: Uint8Array = EMPTY;

  constructor(source: ByteSource) {
    assertByteSource(source);
    this.#iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  }

  /** Makes #current non-empty if input remains; false at the end of input. */
  async #fill(): Promise<boolean> {
    while (this.#current.byteLength === 0) {
      if (this.#ended) return false;
      // Errors of the source itself (I/O) propagate unchanged: they are the caller's.
      const next = await this.#iterator.next();
      if (next.done === true) {
        this.#ended = true;
        return false;
      }
      if (!(next.value instanceof Uint8Array)) {
        throw invalidInput(CryptoErrorCode.InvalidEncoding, 'backup source yielded something other than a Uint8Array');
      }
      this.#current = next.value;
    }
    return true;
  }

  /**
   * The next `length` bytes, or fewer only when the input ends first. The
   * result is a view (into the source's buffer or a reused scratch buffer):
   * use or copy it before reading again.
   */
  async read(length: number): Promise<Uint8Array> {
    if (!(await this.#fill())) return EMPTY;
    if (this.#current.byteLength >= length) {
      const view = this.#current.subarray(0, length);
      this.#current = this.#current.subarray(length);
      return view;
    }
    if (this.#scratch.byteLength < length) this.#scratch = new Uint8Array(length);
    const assembled = this.#scratch.subarray(0, length);
    let filled = 0;
    while (filled < length && (await this.#fill())) {
      const take = Math.min(length - filled, this.#current.byteLength);
      assembled.set(this.#current.subarray(0, take), filled);
      filled += take;
      this.#current = this.#current.subarray(take);
    }
    return filled === length ? assembled : assembled.subarray(0, filled);
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    return !(await this.#fill());
  }

  /** Lets the source release its resources (e.g. close a file) when we stop early. */
  async close(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    try {
      await this.#iterator.return?.();
    } catch {
      // We only close early after an error or when the consumer stopped: that
      // outcome stands, and a failing cleanup of the caller's source must not mask it.
    }
  }
}
