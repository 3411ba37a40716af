/**
 * Conformance vectors for signed challenges (docs/conformance.md;
 * docs/protocol.md §3): the exact bytes signed, and signatures that verify
 * over them and over nothing else.
 */
import { describe, expect, it } from 'vitest';
import { normalizeRelayUrl } from '../src/address/contact-code.js';
import { fromBase64, toHex, utf8 } from '../src/encoding.js';
import { signWithIdentity, verifyIdentitySignature } from '../src/signal/signatures.js';
import { authSignedMessage } from '../src/wire/auth.js';
import type { AuthSignatureVector, AuthSignatureVectors } from '../vectors/types.js';
import { hex, loadVectors } from './support/conformance-vectors.js';

const file = loadVectors<AuthSignatureVectors>('auth-signatures.json');
const identityKey = hex(file.signer.publicKeyHex);

function signedBytes(vector: AuthSignatureVector, relayUrl = vector.relayUrl, purpose = vector.purpose): Uint8Array {
  return authSignedMessage(purpose, relayUrl, vector.accountId, vector.deviceId, fromBase64(vector.challengeBase64));
}

function flipped(data: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(data);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

describe('signed challenge vectors', () => {
  it('build exactly the documented bytes from each request', () => {
    expect(file.vectors.length).toBeGreaterThan(0);
    for (const vector of file.vectors) {
      expect(normalizeRelayUrl(vector.relayUrl)).toBe(vector.signedRelayUrl);
      const expected = toHex(
        utf8(`parley-auth-v1\0${vector.purpose}\0${vector.signedRelayUrl}\0${vector.accountId}\0${vector.deviceId}\0`),
      );
      expect(vector.signedBytesHex).toBe(expected + toHex(fromBase64(vector.challengeBase64)));
      expect(toHex(signedBytes(vector))).toBe(vector.signedBytesHex);
    }
  });

  it('carry signatures that verify over those bytes', () => {
    for (const vector of file.vectors) {
      expect(verifyIdentitySignature(identityKey, hex(vector.signedBytesHex), fromBase64(vector.signatureBase64))).toBe(
        true,
      );
    }
  });

  it("verify a fresh signature by the signer's private key over the same bytes", () => {
    const identity = { identityKeyPair: fromBase64(file.signer.identityKeyPairBase64), registrationId: 1 };
    for (const vector of file.vectors) {
      const signature = signWithIdentity(identity, hex(vector.signedBytesHex));
      expect(signature.byteLength).toBe(64);
      expect(verifyIdentitySignature(identityKey, hex(vector.signedBytesHex), signature)).toBe(true);
    }
  });

  it('fail with any byte of the signature or of the signed bytes flipped', () => {
    for (const vector of file.vectors) {
      const message = hex(vector.signedBytesHex);
      const signature = fromBase64(vector.signatureBase64);
      for (const index of [0, 31, 63]) {
        expect(verifyIdentitySignature(identityKey, message, flipped(signature, index))).toBe(false);
      }
      for (const index of [0, message.byteLength - 33, message.byteLength - 1]) {
        expect(verifyIdentitySignature(identityKey, flipped(message, index), signature)).toBe(false);
      }
    }
  });

  it('fail for another relay URL, the other purpose, or another identity key', () => {
    for (const vector of file.vectors) {
      const signature = fromBase64(vector.signatureBase64);
      for (const relayUrl of vector.notValidFor) {
        expect(verifyIdentitySignature(identityKey, signedBytes(vector, relayUrl), signature), relayUrl).toBe(false);
      }
      const other = vector.purpose === 'token' ? 'register' : 'token';
      expect(verifyIdentitySignature(identityKey, signedBytes(vector, vector.relayUrl, other), signature)).toBe(false);
      expect(verifyIdentitySignature(flipped(identityKey, 5), hex(vector.signedBytesHex), signature)).toBe(false);
    }
  });
});
