/**
 * Signature checks the relay makes: proof of possession (the identity key
 * signed a challenge) and the signed-prekey / Kyber-prekey signatures at
 * registration and upload, so the relay never hands out a bundle that a peer
 * would reject. Inputs are the wire's base64 strings, already shape-checked.
 */

import { accountIdMatches, type KyberPreKeyWire, type SignedPreKeyWire } from '@parley/crypto-core/wire';
import { PublicKey } from '@signalapp/libsignal-client';
import { decodeBase64 } from './encoding.js';

function parsePublicKey(encoded: string): PublicKey | null {
  try {
    return PublicKey.deserialize(decodeBase64(encoded));
  } catch {
    return null;
  }
}

/** True when `identityKey` (base64, 33 bytes) is the key `accountId` commits to. */
export function identityKeyMatchesAccount(accountId: string, identityKey: string): boolean {
  return accountIdMatches(accountId, decodeBase64(identityKey));
}

/** True when `signature` is the identity key's signature over `message`; false for any malformed input. */
export function verifyIdentitySignature(identityKey: string, message: Uint8Array, signature: string): boolean {
  const key = parsePublicKey(identityKey);
  if (key === null) return false;
  try {
    return key.verify(new Uint8Array(message), decodeBase64(signature));
  } catch {
    return false;
  }
}

export interface SignedKeys {
  readonly signedPreKey?: SignedPreKeyWire | undefined;
  readonly lastResortKyberPreKey?: KyberPreKeyWire | undefined;
  readonly kyberPreKeys: readonly KyberPreKeyWire[];
}

/**
 * The first signed key whose signature (by the identity key, over the
 * serialized public key, as libsignal checks it in a bundle) does not verify,
 * named for the error message; null when all verify.
 */
export function findBadPreKeySignature(identityKey: string, keys: SignedKeys): string | null {
  const checks: Array<[string, { publicKey: string; signature: string }]> = [];
  if (keys.signedPreKey !== undefined) checks.push(['signedPreKey', keys.signedPreKey]);
  if (keys.lastResortKyberPreKey !== undefined) checks.push(['lastResortKyberPreKey', keys.lastResortKyberPreKey]);
  keys.kyberPreKeys.forEach((key, index) => {
    checks.push([`kyberPreKeys.${index}`, key]);
  });
  for (const [name, key] of checks) {
    if (!verifyIdentitySignature(identityKey, decodeBase64(key.publicKey), key.signature)) return name;
  }
  return null;
}
