/**
 * The fixed identity keys of the conformance vectors. Each private key is
 * SHA-256 of a label, as libsignal stores it (clamped); the files carry the
 * resulting bytes, so a second implementation needs no derivation rule.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { IdentityKeyPair, PrivateKey } from '@signalapp/libsignal-client';
import { accountIdFromIdentityKey } from '../src/address/account-id.js';
import { toBase64, toHex, utf8 } from '../src/encoding.js';
import type { FixedIdentity } from './types.js';

export function fixedIdentity(name: string): FixedIdentity {
  const privateKey = PrivateKey.deserialize(sha256(utf8(`parley-conformance-identity-${name}`)));
  const publicKey = privateKey.getPublicKey().serialize();
  return {
    name,
    privateKeyHex: toHex(privateKey.serialize()),
    publicKeyHex: toHex(publicKey),
    identityKeyPairBase64: toBase64(new IdentityKeyPair(privateKey.getPublicKey(), privateKey).serialize()),
    accountId: accountIdFromIdentityKey(publicKey),
  };
}

export const ALICE = fixedIdentity('alice');
export const BOB = fixedIdentity('bob');
export const CAROL = fixedIdentity('carol');
export const DAVE = fixedIdentity('dave');
export const ERIN = fixedIdentity('erin');
export const MALLORY = fixedIdentity('mallory');
