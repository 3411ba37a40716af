/**
 * Keys derived from the vault key. The vault key itself encrypts nothing: each
 * use gets its own subkey (HKDF-SHA256 with a distinct label), so a row id can
 * never be confused with a ciphertext key and a future format can add uses
 * without touching old ones.
 */
import { hkdfSync } from 'node:crypto';
import type { Bytes } from '@parley/crypto-core';

export interface VaultSubkeys {
  /** Keyed hash of a record's logical key -> its row id (sealed-rows.ts). */
  readonly rowId: Bytes;
  /** XChaCha20-Poly1305 key of every row value. */
  readonly rowValue: Bytes;
  /** Seals the key file's check value, which tells a wrong key from a damaged database. */
  readonly keyCheck: Bytes;
}

const SUBKEY_BYTES = 32;

function subkey(vaultKey: Uint8Array, label: string): Bytes {
  return new Uint8Array(hkdfSync('sha256', vaultKey, new Uint8Array(0), `parley-vault/${label}/v1`, SUBKEY_BYTES));
}

export function deriveVaultSubkeys(vaultKey: Uint8Array): VaultSubkeys {
  return {
    rowId: subkey(vaultKey, 'row-id'),
    rowValue: subkey(vaultKey, 'row-value'),
    keyCheck: subkey(vaultKey, 'key-check'),
  };
}

/** Best-effort erasure of key material we drop (JS gives no guarantee about copies). */
export function wipe(...keys: readonly Uint8Array[]): void {
  for (const key of keys) key.fill(0);
}
