/**
 * The conformance vectors (docs/conformance.md) for what the relay decides:
 * which spellings of --public-url it accepts and how it canonicalises them,
 * the URLs it accepts without one, and the challenge signatures it accepts
 * (for its own URLs only, for the purpose signed only).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type {
  AccessKeyVectors,
  AuthSignatureVector,
  AuthSignatureVectors,
  RelayUrlVectors,
} from '../../../crypto-core/vectors/types.js';
import { accessKeyHash } from '../../src/auth/access-keys.js';
import { derivedRelayUrls } from '../../src/auth/relay-urls.js';
import { relayUrls as parsePublicUrls } from '../../src/config-values.js';
import { type ChallengeProof, verifyChallengeSignature } from '../../src/crypto/signatures.js';

function loadVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../docs/test-vectors/${name}`, import.meta.url), 'utf8')) as T;
}

const urls = loadVectors<RelayUrlVectors>('relay-urls.json');
const auth = loadVectors<AuthSignatureVectors>('auth-signatures.json');
const identityKey = Buffer.from(auth.signer.publicKeyHex, 'hex').toString('base64');

describe('relay URL vectors at the relay', () => {
  it('canonicalise every accepted spelling of --public-url', () => {
    for (const vector of urls.valid) {
      expect(parsePublicUrls(vector.input), vector.note).toEqual({ ok: true, value: [vector.canonical] });
    }
  });

  it('refuse every invalid --public-url', () => {
    for (const vector of urls.invalid) {
      expect(parsePublicUrls(vector.input).ok, vector.reason).toBe(false);
    }
  });

  it('derive the documented URLs without --public-url', () => {
    for (const vector of urls.derivedByReferenceRelay) {
      expect(derivedRelayUrls(vector.host, { address: vector.address, port: vector.port })).toEqual(vector.accepted);
    }
  });
});

/** The request fields the relay checks a signature against. */
function proofOf(vector: AuthSignatureVector): ChallengeProof {
  return {
    purpose: vector.purpose,
    accountId: vector.accountId,
    deviceId: vector.deviceId,
    challenge: vector.challengeBase64,
    signature: vector.signatureBase64,
  };
}

describe('signed challenge vectors at the relay', () => {
  it('accept each signature for the relay URL it names, among others', () => {
    for (const vector of auth.vectors) {
      const proof = proofOf(vector);
      expect(verifyChallengeSignature(identityKey, proof, [vector.signedRelayUrl])).toBe(true);
      expect(verifyChallengeSignature(identityKey, proof, [...vector.notValidFor, vector.signedRelayUrl])).toBe(true);
    }
  });

  it('refuse each signature for other relays, the other purpose, another device or another challenge', () => {
    for (const vector of auth.vectors) {
      const proof = proofOf(vector);
      const own = [vector.signedRelayUrl];
      expect(verifyChallengeSignature(identityKey, proof, vector.notValidFor)).toBe(false);
      const otherPurpose = vector.purpose === 'token' ? 'register' : 'token';
      expect(verifyChallengeSignature(identityKey, { ...proof, purpose: otherPurpose }, own)).toBe(false);
      expect(verifyChallengeSignature(identityKey, { ...proof, deviceId: (vector.deviceId % 127) + 1 }, own)).toBe(
        false,
      );
      const challenge = Buffer.from(vector.challengeBase64, 'base64');
      challenge[0] = (challenge[0] ?? 0) ^ 0x01;
      expect(verifyChallengeSignature(identityKey, { ...proof, challenge: challenge.toString('base64') }, own)).toBe(
        false,
      );
    }
  });
});

describe('access key vectors at the relay', () => {
  const keys = loadVectors<AccessKeyVectors>('access-keys.json');

  it('store exactly the documented hash of each key', () => {
    for (const vector of keys.vectors) expect(accessKeyHash(vector.keyBase64)).toBe(vector.storedHashBase64);
  });
});
