/**
 * A real Keychain (the seam Electron's safeStorage fills in the app): AES-256-GCM
 * under a key held in memory, standing in for the OS-held key. Blobs are
 * authenticated, so a foreign keychain fails to decrypt, as safeStorage would.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keychain } from '../../../src/vault/index.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class MemoryKeychain implements Keychain {
  readonly #key: Buffer;

  /** `key` lets a child process share the keychain of its parent (kill -9 test). */
  constructor(key: Uint8Array = randomBytes(32)) {
    this.#key = Buffer.from(key);
  }

  /** Hex of the OS-held key, to hand to a child process standing in for the same user session. */
  exportForChildProcess(): string {
    return this.#key.toString('hex');
  }

  async encrypt(plain: Uint8Array): Promise<Uint8Array> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return new Uint8Array(Buffer.concat([iv, body, cipher.getAuthTag()]));
  }

  async decrypt(blob: Uint8Array): Promise<Uint8Array> {
    const data = Buffer.from(blob);
    if (data.byteLength < IV_BYTES + TAG_BYTES) throw new Error('keychain blob too short');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, data.subarray(0, IV_BYTES));
    decipher.setAuthTag(data.subarray(data.byteLength - TAG_BYTES));
    return new Uint8Array(
      Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.byteLength - TAG_BYTES)), decipher.final()]),
    );
  }
}
