/**
 * Synchronous at-rest sealing in the format of docs/protocol.md §8 (the
 * vault's crypto-core sealAtRest, which is libsodium and asynchronous):
 *
 *   sealed = 0x01 || nonce (24 random bytes) || XChaCha20-Poly1305(plaintext, ad = 0x01 || associatedData)
 *
 * @noble/ciphers (audited, pure JavaScript) does the AEAD: the renderer's
 * CSP allows no WebAssembly, and a transaction cannot wait for WebCrypto.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { EngineError, EngineErrorCode } from '../errors.js';

export const SEALED_VERSION = 0x01;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
export const SEALED_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

/** Nonces come from a pool refilled by one getRandomValues call per 256 seals (a call per seal costs more than the seal of a short row). */
const NONCES_PER_REFILL = 256;

class NoncePool {
  #pool = new Uint8Array(0);
  #offset = 0;

  take(): Uint8Array {
    if (this.#offset + NONCE_BYTES > this.#pool.byteLength) {
      this.#pool = crypto.getRandomValues(new Uint8Array(NONCE_BYTES * NONCES_PER_REFILL));
      this.#offset = 0;
    }
    const nonce = this.#pool.subarray(this.#offset, this.#offset + NONCE_BYTES);
    this.#offset += NONCE_BYTES;
    return nonce;
  }
}

function withVersion(associatedData: Uint8Array): Uint8Array {
  const ad = new Uint8Array(associatedData.byteLength + 1);
  ad[0] = SEALED_VERSION;
  ad.set(associatedData, 1);
  return ad;
}

export class RowSealer {
  readonly #nonces = new NoncePool();

  constructor(private readonly key: Uint8Array) {}

  seal(plaintext: Uint8Array, associatedData: Uint8Array): Uint8Array<ArrayBuffer> {
    const sealed = new Uint8Array(1 + NONCE_BYTES + plaintext.byteLength + TAG_BYTES);
    const nonce = this.#nonces.take();
    sealed[0] = SEALED_VERSION;
    sealed.set(nonce, 1);
    sealed.set(xchacha20poly1305(this.key, nonce, withVersion(associatedData)).encrypt(plaintext), 1 + NONCE_BYTES);
    return sealed;
  }

  /** Throws STORAGE when the value is malformed, tampered with, moved, or sealed under another key. */
  open(sealed: Uint8Array, associatedData: Uint8Array): Uint8Array {
    if (sealed.byteLength < SEALED_OVERHEAD || sealed[0] !== SEALED_VERSION) {
      throw new EngineError(EngineErrorCode.Storage, 'a stored row is not a sealed value this version reads');
    }
    try {
      return xchacha20poly1305(this.key, sealed.subarray(1, 1 + NONCE_BYTES), withVersion(associatedData)).decrypt(
        sealed.subarray(1 + NONCE_BYTES),
      );
    } catch (error) {
      throw new EngineError(
        EngineErrorCode.Storage,
        'a stored row does not decrypt (tampered, moved or another key)',
        error,
      );
    }
  }
}
