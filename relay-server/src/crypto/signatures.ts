/**
 * Signature checks the relay makes: proof of possession (the identity key
 * signed a challenge for this relay) and the signed-prekey / Kyber-prekey
 * signatures at registration and upload, so the relay never hands out a
 * bundle that a peer would reject. Inputs are the wire's base64 strings,
 * already shape-checked. The verification itself is crypto-core's, so the
 * relay and the clients check signatures with one implementation.
 */

import { verifyIdentitySignature } from '@parley/crypto-core';
import { fromBase64 } from '@parley/crypto-core/encoding';
import {
  type AuthPurpose,
  accountIdMatches,
  authSignedMessage,
  type KyberPreKeyWire,
  type SignedPreKeyWire,
} from '@parley/crypto-core/wire';

/** True when `identityKey` (base64, 33 bytes) is the key `accountId` commits to. */
export function identityKeyMatchesAccount(accountId: string, identityKey: string): boolean {
  return accountIdMatches(accountId, fromBase64(identityKey));
}

/** What a device signed to prove possession of its identity key (docs/protocol.md §3). */
export interface ChallengeProof {
  readonly purpose: AuthPurpose;
  readonly accountId: string;
  readonly deviceId: number;
  /** base64, as issued. */
  readonly challenge: string;
  /** base64 XEdDSA signature by the identity key. */
  readonly signature: string;
}

/**
 * True when the identity key signed the challenge for one of `relayUrls`
 * (this relay's canonical URLs); false for any other URL and any malformed
 * input. A handful of URLs at most, so trying each costs a few verifications.
 */
export function verifyChallengeSignature(
  identityKey: string,
  proof: ChallengeProof,
  relayUrls: readonly string[],
): boolean {
  const key = fromBase64(identityKey);
  const challenge = fromBase64(proof.challenge);
  const signature = fromBase64(proof.signature);
  return relayUrls.some((relayUrl) =>
    verifyIdentitySignature(
      key,
      authSignedMessage(proof.purpose, relayUrl, proof.accountId, proof.deviceId, challenge),
      signature,
    ),
  );
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
  const key = fromBase64(identityKey);
  for (const [name, signed] of checks) {
    if (!verifyIdentitySignature(key, fromBase64(signed.publicKey), fromBase64(signed.signature))) return name;
  }
  return null;
}
