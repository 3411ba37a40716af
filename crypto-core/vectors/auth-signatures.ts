/**
 * Signed challenges (docs/protocol.md §3). XEdDSA signatures are randomized,
 * so a signature already in the committed file is kept while it still
 * verifies over the same bytes: regenerating then changes nothing.
 */
import { normalizeRelayUrl } from '../src/address/contact-code.js';
import { fromBase64, toBase64, toHex } from '../src/encoding.js';
import { signWithIdentity, verifyIdentitySignature } from '../src/signal/signatures.js';
import { authSignedMessage } from '../src/wire/auth.js';
import { ALICE } from './identities.js';
import type { AuthSignatureVector, AuthSignatureVectors } from './types.js';

interface Request {
  readonly purpose: 'register' | 'token';
  readonly relayUrl: string;
  readonly accountId: string;
  readonly deviceId: number;
  readonly challenge: Uint8Array;
  readonly notValidFor: readonly string[];
}

function counting(start: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (start + i) & 0xff);
}

const REQUESTS: readonly Request[] = [
  {
    purpose: 'token',
    relayUrl: 'https://relay.example.org',
    accountId: ALICE.accountId,
    deviceId: 7,
    challenge: counting(0),
    notValidFor: ['https://relay.example.com', 'http://relay.example.org'],
  },
  {
    purpose: 'register',
    relayUrl: 'https://Relay.Example.org:443/',
    accountId: ALICE.accountId,
    deviceId: 1,
    challenge: counting(0x80),
    notValidFor: ['https://relay.example.org:443/x', 'https://evil.example'],
  },
  {
    purpose: 'token',
    relayUrl: 'http://127.0.0.1:7447/',
    accountId: ALICE.accountId,
    deviceId: 127,
    challenge: new Uint8Array(32),
    notValidFor: ['http://127.0.0.2:7447', 'http://127.0.0.1:7448', 'https://localhost:7447'],
  },
  {
    purpose: 'token',
    relayUrl: 'http://localhost:7447',
    accountId: ALICE.accountId,
    deviceId: 2,
    challenge: new Uint8Array(32).fill(0x5a),
    notValidFor: ['http://localhost:7448', 'http://127.0.0.2:7447'],
  },
  {
    purpose: 'register',
    relayUrl: 'https://bücher.example/parley/',
    accountId: ALICE.accountId,
    deviceId: 12,
    challenge: new Uint8Array(32).fill(0xff),
    notValidFor: ['https://xn--bcher-kva.example'],
  },
];

export function authSignatureVectors(previous: AuthSignatureVectors | undefined): AuthSignatureVectors {
  const identityKey = Buffer.from(ALICE.publicKeyHex, 'hex');
  const identity = { identityKeyPair: fromBase64(ALICE.identityKeyPairBase64), registrationId: 1 };
  const vectors = REQUESTS.map((request): AuthSignatureVector => {
    const signed = authSignedMessage(
      request.purpose,
      request.relayUrl,
      request.accountId,
      request.deviceId,
      request.challenge,
    );
    const signedBytesHex = toHex(signed);
    const kept = previous?.vectors.find(
      (old) =>
        old.signedBytesHex === signedBytesHex &&
        previous.signer.publicKeyHex === ALICE.publicKeyHex &&
        verifyIdentitySignature(identityKey, signed, fromBase64(old.signatureBase64)),
    );
    return {
      purpose: request.purpose,
      relayUrl: request.relayUrl,
      signedRelayUrl: normalizeRelayUrl(request.relayUrl),
      accountId: request.accountId,
      deviceId: request.deviceId,
      challengeBase64: toBase64(request.challenge),
      signedBytesHex,
      signatureBase64: kept?.signatureBase64 ?? toBase64(signWithIdentity(identity, signed)),
      notValidFor: request.notValidFor,
    };
  });
  return {
    description:
      'Proof of possession: the exact bytes a device signs for a relay challenge ("parley-auth-v1" 0x00 purpose 0x00 canonical relay URL 0x00 accountId 0x00 decimal deviceId 0x00 challenge), with one XEdDSA signature by the fixed identity "alice" that verifies over them. Signatures are randomized: check verification, not equality.',
    backs: ['docs/protocol.md §3 Authentication to a relay'],
    signer: ALICE,
    vectors,
  };
}
