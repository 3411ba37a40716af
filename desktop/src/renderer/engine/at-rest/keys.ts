/**
 * The engine's at-rest keys. The vault hands the engine its data key (32
 * random bytes, sealed in the vault under the vault key); the key itself
 * encrypts nothing here: HKDF-SHA256 derives one subkey per use, as the
 * vault does for its own rows (vault-subkeys.ts).
 *
 * The subkeys are raw bytes in renderer memory, not non-extractable
 * WebCrypto keys: IndexedDB transactions close on any await that is not an
 * IndexedDB request, so a layer that seals rows inside a transaction needs
 * synchronous crypto, which WebCrypto does not offer. What that gives up is
 * small: the raw data key already crosses into the renderer (the vault API
 * returns it), and page script that could read renderer memory could as well
 * ask the vault for the key or read the rows through the engine.
 * docs/threat-model.md records the decision.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '@parley/crypto-core/encoding';
import { EngineError, EngineErrorCode } from '../errors.js';

export const DATA_KEY_BYTES = 32;
const SUBKEY_BYTES = 32;
const DATABASE_NAME_BYTES = 16;

function subkey(dataKey: Uint8Array, label: string, length = SUBKEY_BYTES): Uint8Array {
  return hkdf(sha256, dataKey, new Uint8Array(0), new TextEncoder().encode(`parley-engine/${label}/v1`), length);
}

export class AtRestKeys {
  private constructor(
    /** XChaCha20-Poly1305 key of every sealed row. */
    readonly rowValue: Uint8Array,
    /** HMAC-SHA256 key of every indexed value that is hashed. */
    readonly indexValue: Uint8Array,
    /** The IndexedDB database's name: derived, so the name says nothing about the account. */
    readonly databaseName: string,
  ) {}

  static fromDataKey(dataKey: Uint8Array): AtRestKeys {
    if (dataKey.byteLength !== DATA_KEY_BYTES) {
      throw new EngineError(EngineErrorCode.VaultFailed, `the data key must be ${DATA_KEY_BYTES} bytes`);
    }
    return new AtRestKeys(
      subkey(dataKey, 'row-value'),
      subkey(dataKey, 'index-value'),
      `parley-engine-${toHex(subkey(dataKey, 'database-name', DATABASE_NAME_BYTES))}`,
    );
  }
}
