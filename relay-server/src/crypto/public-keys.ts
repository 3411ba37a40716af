/**
 * Which uploaded public key, if any, no peer could use: a one-time or signed
 * EC prekey that is not a Curve25519 key of full order, a Kyber prekey
 * that is not an ML-KEM-1024 key (crypto-core's isUsable*PublicKey). The
 * relay refuses such uploads (INVALID_KEY) instead of handing the keys out
 * in bundles that peers would refuse.
 */
import { isUsableCurvePublicKey, isUsableKyberPublicKey } from '@parley/crypto-core';
import { fromBase64 } from '@parley/crypto-core/encoding';
import type { KyberPreKeyWire, OneTimePreKeyWire, SignedPreKeyWire } from '@parley/crypto-core/wire';

export interface UploadedKeys {
  readonly signedPreKey?: SignedPreKeyWire | undefined;
  readonly lastResortKyberPreKey?: KyberPreKeyWire | undefined;
  readonly preKeys: readonly OneTimePreKeyWire[];
  readonly kyberPreKeys: readonly KyberPreKeyWire[];
}

/** The first unusable key, named as its field in the upload (e.g. `preKeys.3`); null when all are usable. */
export function findUnusableKey(keys: UploadedKeys): string | null {
  const curve: Array<[string, string]> = [];
  const kyber: Array<[string, string]> = [];
  if (keys.signedPreKey !== undefined) curve.push(['signedPreKey', keys.signedPreKey.publicKey]);
  if (keys.lastResortKyberPreKey !== undefined)
    kyber.push(['lastResortKyberPreKey', keys.lastResortKyberPreKey.publicKey]);
  keys.preKeys.forEach((key, index) => {
    curve.push([`preKeys.${index}`, key.publicKey]);
  });
  keys.kyberPreKeys.forEach((key, index) => {
    kyber.push([`kyberPreKeys.${index}`, key.publicKey]);
  });
  for (const [name, key] of curve) if (!isUsableCurvePublicKey(fromBase64(key))) return name;
  for (const [name, key] of kyber) if (!isUsableKyberPublicKey(fromBase64(key))) return name;
  return null;
}
