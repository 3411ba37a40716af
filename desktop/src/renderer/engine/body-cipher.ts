/**
 * At-rest encryption of what users write (message bodies, previews) in
 * IndexedDB: AES-256-GCM through WebCrypto with the vault's data key,
 * imported non-extractable so page script cannot read it back out. Each field
 * gets a fresh random 96-bit IV, and its place (table, field, record id) is
 * the additional data, so a ciphertext moved to another record or field fails
 * to open instead of showing the wrong text.
 *
 * WebCrypto is asynchronous and IndexedDB transactions close when they wait on
 * anything else, so callers seal before a transaction and open after a read.
 */
import { utf8Bytes, utf8Text } from './encoding.js';
import { EngineError, EngineErrorCode } from './errors.js';
import type { EncryptedField } from './records.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;

/** Where a field lives; bound into the ciphertext as additional data. */
export interface FieldScope {
  readonly table: 'messages' | 'conversations';
  readonly field: 'body' | 'preview';
  readonly id: string;
}

function additionalData(scope: FieldScope): Uint8Array<ArrayBuffer> {
  return utf8Bytes(`parley-engine-at-rest-v1\u0000${scope.table}\u0000${scope.field}\u0000${scope.id}`);
}

export class BodyCipher {
  private constructor(private readonly key: CryptoKey) {}

  static async fromRawKey(raw: Uint8Array<ArrayBuffer>): Promise<BodyCipher> {
    if (raw.byteLength !== KEY_BYTES) {
      throw new EngineError(EngineErrorCode.VaultFailed, `the data key must be ${KEY_BYTES} bytes`);
    }
    const key = await crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
    return new BodyCipher(key);
  }

  async seal(scope: FieldScope, text: string): Promise<EncryptedField> {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const ct = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: additionalData(scope) },
      this.key,
      utf8Bytes(text),
    );
    return { v: 1, iv, ct: new Uint8Array(ct) };
  }

  /** Throws STORAGE when the field was tampered with, moved, or sealed under another key. */
  async open(scope: FieldScope, field: EncryptedField): Promise<string> {
    if (field.v !== 1) throw new EngineError(EngineErrorCode.Storage, `unknown at-rest format ${String(field.v)}`);
    try {
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: field.iv, additionalData: additionalData(scope) },
        this.key,
        field.ct,
      );
      return utf8Text(new Uint8Array(plain));
    } catch (error) {
      throw new EngineError(EngineErrorCode.Storage, `a stored ${scope.table}.${scope.field} does not decrypt`, error);
    }
  }
}
