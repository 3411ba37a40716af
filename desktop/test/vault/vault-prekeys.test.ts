import { verifyIdentitySignature } from '@parley/crypto-core';
import { authSignedMessage } from '@parley/crypto-core/wire';
import { afterAll, describe, expect, it } from 'vitest';
import { RETIRED_PREKEY_GRACE_MS, SIGNED_PREKEY_ROTATION_MS } from '../../src/vault/index.js';
import { TestRelay } from './support/test-relay.js';
import {
  call,
  connect,
  createParty,
  errorCode,
  randomChallenge,
  receive,
  removeTemporaryDirs,
  send,
  text,
  textBody,
} from './support/vault-harness.js';

afterAll(removeTemporaryDirs);

const DAY = 24 * 60 * 60 * 1000;

describe('prekeys', () => {
  it('builds a registration: 100 + 100 fresh one-time keys every time, signed for that relay', async () => {
    const relay = new TestRelay();
    const party = await createParty(relay);
    const challenge = randomChallenge();
    const first = await call(party.vault, 'buildRegistration', { relayUrl: 'https://Relay.One.example/', challenge });
    const second = await call(party.vault, 'buildRegistration', { relayUrl: 'https://relay.two.example', challenge });
    expect(first.preKeys).toHaveLength(100);
    expect(first.kyberPreKeys).toHaveLength(100);
    expect(first.accountId).toBe(party.account.accountId);
    expect(first.challenge).toBe(challenge);

    const identityKey = Buffer.from(first.identityKey, 'base64');
    const signed = (relayUrl: string) =>
      authSignedMessage('register', relayUrl, first.accountId, first.deviceId, Buffer.from(challenge, 'base64'));
    expect(
      verifyIdentitySignature(identityKey, signed('https://relay.one.example'), Buffer.from(first.signature, 'base64')),
    ).toBe(true);
    // Bound to the relay: the signature for one relay is worthless at another.
    expect(
      verifyIdentitySignature(identityKey, signed('https://relay.two.example'), Buffer.from(first.signature, 'base64')),
    ).toBe(false);

    const publicKeys = (registration: typeof first) => [
      ...(registration.preKeys ?? []).map((key) => key.publicKey),
      ...(registration.kyberPreKeys ?? []).map((key) => key.publicKey),
      registration.signedPreKey.publicKey,
      registration.lastResortKyberPreKey.publicKey,
    ];
    const shared = publicKeys(first).filter((key) => publicKeys(second).includes(key));
    expect(shared).toEqual([]);
    const ids = new Set([...(first.preKeys ?? []), ...(second.preKeys ?? [])].map((key) => key.keyId));
    expect(ids.size).toBe(200);

    const token = await call(party.vault, 'signChallenge', { relayUrl: 'https://relay.one.example', challenge });
    const tokenMessage = authSignedMessage(
      'token',
      'https://relay.one.example',
      first.accountId,
      1,
      Buffer.from(challenge, 'base64'),
    );
    expect(verifyIdentitySignature(identityKey, tokenMessage, Buffer.from(token.signature, 'base64'))).toBe(true);

    const refill = await call(party.vault, 'buildPreKeyRefill', { preKeys: 7, kyberPreKeys: 3 });
    expect(refill.signedPreKey).toBeUndefined();
    expect(refill.preKeys).toHaveLength(7);
    expect(refill.kyberPreKeys).toHaveLength(3);
    expect(refill.preKeys.filter((key) => ids.has(key.keyId))).toEqual([]);
  });

  it('falls back to the last-resort Kyber key when one-time keys run out, and refills', async () => {
    const relay = new TestRelay();
    const bob = await createParty(relay);
    const [first, second, third] = [await createParty(relay), await createParty(relay), await createParty(relay)];
    // Others drained Bob's one-time keys.
    for (let i = 0; i < 100; i++) relay.bundles(bob.account.accountId);
    const exhausted = relay.bundles(bob.account.accountId).bundles[0];
    expect(exhausted?.preKey).toBeNull();
    for (const sender of [first, second]) {
      await connect(relay, sender, bob);
      const envelopes = await send(relay, sender, bob, text('on the last-resort key'));
      expect(textBody((await receive(relay, bob, envelopes))[0])).toBe('on the last-resort key');
      await call(bob.vault, 'releaseDecrypted', { envelopeIds: envelopes.map((envelope) => envelope.id) });
      expect(errorCode((await receive(relay, bob, envelopes))[0])).toBe('DUPLICATE_MESSAGE');
    }
    relay.upload(bob.address, await call(bob.vault, 'buildPreKeyRefill', { preKeys: 5, kyberPreKeys: 5 }));
    expect(relay.bundles(bob.account.accountId).bundles[0]?.preKey).not.toBeNull();
    await connect(relay, third, bob);
    expect(textBody((await receive(relay, bob, await send(relay, third, bob, text('refilled'))))[0])).toBe('refilled');
  });

  it('rotates the signed and last-resort prekeys weekly and keeps replaced ones for the grace period only', async () => {
    let now = Date.now();
    const clock = () => now;
    const relay = new TestRelay();
    const bob = await createParty(relay, { now: clock });
    const early = await createParty(relay);
    const late = await createParty(relay);
    expect(await call(bob.vault, 'rotateSignedPreKeys', {})).toBeNull();

    // Two peers fetch bundles with the first signed prekey, then Bob rotates.
    await connect(relay, early, bob);
    await connect(relay, late, bob);
    now += SIGNED_PREKEY_ROTATION_MS;
    const rotated = await call(bob.vault, 'rotateSignedPreKeys', {});
    expect(rotated?.signedPreKey).toBeDefined();
    expect(rotated?.lastResortKyberPreKey).toBeDefined();
    expect(rotated?.preKeys).toEqual([]);
    if (rotated === null) throw new Error('no rotation');
    relay.upload(bob.address, rotated);
    expect(await call(bob.vault, 'rotateSignedPreKeys', {})).toBeNull();
    expect(await call(bob.vault, 'rotateSignedPreKeys', { force: true })).not.toBeNull();

    // Within the grace period (unsealed: Bob's clock is a week ahead of the certificates) a message built on the replaced key still opens.
    expect(textBody((await receive(relay, bob, await send(relay, early, bob, text('within grace'), false)))[0])).toBe(
      'within grace',
    );

    // After it, the replaced key is gone.
    now += RETIRED_PREKEY_GRACE_MS + DAY;
    expect(await call(bob.vault, 'rotateSignedPreKeys', {})).not.toBeNull();
    // Unsealed: Bob's clock is past the sender certificates' expiry now.
    const tooLate = await send(relay, late, bob, text('too late'), false);
    expect(errorCode((await receive(relay, bob, tooLate))[0])).toBe('INVALID_KEY_ID');
  });
});
