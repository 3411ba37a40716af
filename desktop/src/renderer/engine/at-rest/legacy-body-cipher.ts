/**
 * How version 1 databases stored bodies and previews: AES-256-GCM through
 * WebCrypto under the raw data key, a random 96-bit IV per field, the
 * additional data naming the table, the field and the record id. Only the
 * migration (legacy-migration.ts) reads it now, outside any transaction
 * (WebCrypto is asynchronous).
 */
import { fromUtf8, utf8 } from '@parley/crypto-core/encoding';
import { EngineError, EngineErrorCode } from '../errors.js';

/** AES-256-GCM ciphertext of one field of one version 1 record. */
export interface LegacyEncryptedField {
  readonly v: 1;
  /** 96-bit random IV. */
  readonly iv: Uint8Array<ArrayBuffer>;
  /** Ciphertext with the 128-bit tag appended (WebCrypto's layout). */
  readonly ct: Uint8Array<ArrayBuffer>;
}

/** Where a field lived; bound into the ciphertext as additional data. */
export interface LegacyFieldScope {
  readonly table: 'messages' | 'conversations';
  readonly field: 'body' | 'preview';
  readonly id: string;
}

function additionalData(scope: LegacyFieldScope): Uint8Array<ArrayBuffer> {
  return utf8(`parley-engine-at-rest-v1\u0000${scope.table}\u0000${scope.field}\u0000${scope.id}`);
}

export class LegacyBodyCipher {
  private constructor(private readonly key: CryptoKey) {}

  static async fromRawKey(raw: Uint8Array<ArrayBuffer>): Promise<LegacyBodyCipher> {
    const key = await crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['decrypt']);
    return new LegacyBodyCipher(key);
  }

  /** Throws STORAGE when the field was tampered with, moved, or sealed under another key. */
  async open(scope: LegacyFieldScope, field: LegacyEncryptedField): Promise<string> {
    if (field.v !== 1) throw new EngineError(EngineErrorCode.Storage, `unknown at-rest format ${String(field.v)}`);
    try {
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: field.iv, additionalData: additionalData(scope) },
        this.key,
        field.ct,
      );
      return fromUtf8(new Uint8Array(plain));
    } catch (error) {
      throw new EngineError(EngineErrorCode.Storage, `a stored ${scope.table}.${scope.field} does not decrypt`, error);
    }
  }
}
