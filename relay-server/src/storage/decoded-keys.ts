/**
 * Prekeys decoded from base64 to bytes before a transaction begins (so a
 * refused argument never leaves one half done), for both SQL stores: SQLite
 * binds them as BLOBs, PostgreSQL as bytea.
 */
import type { KyberPreKeyWire, OneTimePreKeyWire, SignedPreKeyWire } from '@parley/crypto-core/wire';
import { newGeneration } from './device-generation.js';
import type { DeviceRegistration, PreKeyReplenish } from './relay-store.js';
import { decodeCanonicalBase64 } from './store-input.js';
import { distinctPreKeys } from './store-limits.js';

export interface DecodedSignedKey {
  readonly keyId: number;
  readonly publicKey: Buffer;
  readonly signature: Buffer;
}

export interface DecodedOneTimeKey {
  readonly keyId: number;
  readonly publicKey: Buffer;
}

export function decodeSignedKey(key: SignedPreKeyWire | KyberPreKeyWire, field: string): DecodedSignedKey {
  return {
    keyId: key.keyId,
    publicKey: decodeCanonicalBase64(key.publicKey, field),
    signature: decodeCanonicalBase64(key.signature, `${field} signature`),
  };
}

export function decodeOneTimeKey(key: OneTimePreKeyWire): DecodedOneTimeKey {
  return { keyId: key.keyId, publicKey: decodeCanonicalBase64(key.publicKey, 'one-time prekey') };
}

export interface DecodedOneTimeKeys {
  readonly preKeys: readonly DecodedOneTimeKey[];
  readonly kyberPreKeys: readonly DecodedSignedKey[];
}

/** One key per id (PREKEY_ID_CONFLICT for an id given twice with different keys), decoded. */
export function decodeOneTimeKeys(
  preKeys: readonly OneTimePreKeyWire[],
  kyberPreKeys: readonly KyberPreKeyWire[],
): DecodedOneTimeKeys {
  return {
    preKeys: distinctPreKeys(preKeys, 'preKeys').map(decodeOneTimeKey),
    kyberPreKeys: distinctPreKeys(kyberPreKeys, 'kyberPreKeys').map((key) => decodeSignedKey(key, 'Kyber prekey')),
  };
}

/** A prekey upload decoded: the replaced keys (null when not given) and the one-time keys. */
export interface DecodedReplenish {
  readonly signed: DecodedSignedKey | null;
  readonly lastResort: DecodedSignedKey | null;
  readonly oneTimeKeys: DecodedOneTimeKeys;
}

export function decodeReplenish(keys: PreKeyReplenish): DecodedReplenish {
  return {
    signed: keys.signedPreKey === undefined ? null : decodeSignedKey(keys.signedPreKey, 'signed prekey'),
    lastResort:
      keys.lastResortKyberPreKey === undefined
        ? null
        : decodeSignedKey(keys.lastResortKyberPreKey, 'last-resort Kyber prekey'),
    oneTimeKeys: decodeOneTimeKeys(keys.preKeys, keys.kyberPreKeys),
  };
}

/** A registration's byte fields decoded, and the device's new generation (base64, as tokens carry it). */
export interface DecodedRegistration {
  readonly identityKey: Buffer;
  readonly installationId: Buffer;
  readonly generation: string;
  readonly signed: DecodedSignedKey;
  readonly lastResort: DecodedSignedKey;
  readonly oneTimeKeys: DecodedOneTimeKeys;
}

export function decodeRegistration(registration: DeviceRegistration): DecodedRegistration {
  return {
    identityKey: decodeCanonicalBase64(registration.identityKey, 'identity key'),
    installationId: decodeCanonicalBase64(registration.installationId, 'installation id'),
    generation: newGeneration(),
    signed: decodeSignedKey(registration.signedPreKey, 'signed prekey'),
    lastResort: decodeSignedKey(registration.lastResortKyberPreKey, 'last-resort Kyber prekey'),
    oneTimeKeys: decodeOneTimeKeys(registration.preKeys, registration.kyberPreKeys),
  };
}
