import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../src/encoding.js';
import { CryptoErrorCode } from '../src/errors.js';
import { generateIdentity } from '../src/signal/identity.js';
import { SessionCipher } from '../src/signal/session.js';
import { signWithIdentity, verifyIdentitySignature } from '../src/signal/signatures.js';
import { MemoryProtocolStore } from '../src/store/memory-store.js';
import { authSignedMessage } from '../src/wire/auth.js';
import { createTestDevice } from './support/test-devices.js';

describe('identity signatures', () => {
  it('verify under the signer key only, and not for another message', () => {
    const alice = generateIdentity();
    const mallory = generateIdentity();
    const relay = 'https://relay.example.org';
    const challenge = new Uint8Array(32).fill(3);
    const message = authSignedMessage('token', relay, alice.accountId, 1, challenge);
    const signature = signWithIdentity(alice, message);
    expect(signature).toHaveLength(64);
    expect(verifyIdentitySignature(alice.identityKey, message, signature)).toBe(true);
    expect(verifyIdentitySignature(mallory.identityKey, message, signature)).toBe(false);
    const other = authSignedMessage('register', relay, alice.accountId, 1, challenge);
    expect(verifyIdentitySignature(alice.identityKey, other, signature)).toBe(false);
  });

  it('do not carry a challenge answer over to another relay', () => {
    // The relayed-challenge attack: relay A hands its user a challenge of
    // relay B; the user signs for A, and A replays the signature to B.
    const alice = generateIdentity();
    const challenge = new Uint8Array(32).fill(3);
    const forA = authSignedMessage('token', 'https://relay-a.example', alice.accountId, 1, challenge);
    const forB = authSignedMessage('token', 'https://relay-b.example', alice.accountId, 1, challenge);
    const signature = signWithIdentity(alice, forA);
    expect(verifyIdentitySignature(alice.identityKey, forA, signature)).toBe(true);
    expect(verifyIdentitySignature(alice.identityKey, forB, signature)).toBe(false);
    // The same relay spelled differently is still the same relay.
    const spelled = authSignedMessage('token', 'HTTPS://Relay-A.example/', alice.accountId, 1, challenge);
    expect(verifyIdentitySignature(alice.identityKey, spelled, signature)).toBe(true);
  });

  it('answer false, not throw, for malformed keys and signatures', () => {
    const alice = generateIdentity();
    const message = new Uint8Array([1, 2, 3]);
    const signature = signWithIdentity(alice, message);
    expect(verifyIdentitySignature(new Uint8Array(33), message, signature)).toBe(false);
    expect(verifyIdentitySignature(alice.identityKey, message, signature.subarray(0, 63))).toBe(false);
    expect(verifyIdentitySignature(new Uint8Array(0), message, new Uint8Array(0))).toBe(false);
  });
});

describe('startSession', () => {
  it('refuses bundles with a bad signed-prekey or Kyber signature (checked by libsignal on this path)', async () => {
    const bob = await createTestDevice({ preKeys: 4, kyberPreKeys: 4 });
    const alice = generateIdentity();
    const session = new SessionCipher(new MemoryProtocolStore(alice), { accountId: alice.accountId, deviceId: 1 });
    const flip = (text: string) => {
      const raw = fromBase64(text);
      raw[5] = (raw[5] ?? 0) ^ 0x10;
      return toBase64(raw);
    };
    const valid = bob.nextBundle();
    const badSigned = {
      ...valid,
      signedPreKey: { ...valid.signedPreKey, signature: flip(valid.signedPreKey.signature) },
    };
    const badKyber = { ...valid, kyberPreKey: { ...valid.kyberPreKey, signature: flip(valid.kyberPreKey.signature) } };
    for (const bundle of [badSigned, badKyber]) {
      await expect(session.startSession(bundle)).rejects.toMatchObject({ code: CryptoErrorCode.InvalidSignature });
    }
    await expect(session.hasSession(bob.address)).resolves.toBe(false);
    await expect(session.startSession(valid)).resolves.toEqual(bob.address);
  });
});
