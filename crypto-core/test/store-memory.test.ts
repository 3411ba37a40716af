import { Direction, IdentityChange, PrivateKey, ProtocolAddress, PublicKey } from '@signalapp/libsignal-client';
import { describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';
import { generateIdentity } from '../src/signal/identity.js';
import { SessionCipher } from '../src/signal/session.js';
import { trustIdentity } from '../src/signal/trust.js';
import { signalStoresFor } from '../src/store/adapters.js';
import { MemoryProtocolStore } from '../src/store/memory-store.js';
import type { ProtocolStore } from '../src/store/protocol-store.js';
import { BytesOnlyProtocolStore } from './support/test-bytes-store.js';
import { createTestDevice } from './support/test-devices.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Copies everything a device holds from one store to another through the bytes interface only. */
async function copyStore(
  from: ProtocolStore,
  to: ProtocolStore,
  keys: { accounts: string[]; devices: Array<[string, number]>; preKeys: number[]; kyber: number[]; signed: number[] },
): Promise<void> {
  for (const account of keys.accounts) {
    const identity = await from.getRemoteIdentity(account);
    if (identity !== null) await to.saveRemoteIdentity(account, identity);
  }
  for (const [account, device] of keys.devices) {
    const session = await from.loadSession(account, device);
    if (session !== null) await to.storeSession(account, device, session);
  }
  for (const id of keys.preKeys) {
    const record = await from.loadPreKey(id);
    if (record !== null) await to.storePreKey(id, record);
  }
  for (const id of keys.signed) {
    const record = await from.loadSignedPreKey(id);
    if (record !== null) await to.storeSignedPreKey(id, record);
  }
  for (const id of keys.kyber) {
    const entry = await from.loadKyberPreKey(id);
    if (entry !== null) await to.storeKyberPreKey(id, entry);
  }
}

describe('MemoryProtocolStore', () => {
  it('refuses an identity that is not a serialized key pair', () => {
    expect(() => new MemoryProtocolStore({ identityKeyPair: new Uint8Array(4), registrationId: 1 })).toThrow(
      ParleyCryptoError,
    );
  });

  it('exposes complete bytes: a conversation continues on a store rebuilt from them', async () => {
    const alice = await createTestDevice();
    const bob = await createTestDevice({ preKeys: 3, kyberPreKeys: 3 });
    await alice.session.startSession(bob.nextBundle());
    await bob.session.decrypt(alice.address, await alice.session.encrypt(bob.address, utf8('hi')));
    await alice.session.decrypt(bob.address, await bob.session.encrypt(alice.address, utf8('hello')));

    // Bob moves to a durable (bytes-only) store, built through the public interface alone.
    const durable = new BytesOnlyProtocolStore(await bob.store.getLocalIdentity());
    await copyStore(bob.store, durable, {
      accounts: [alice.identity.accountId],
      devices: [[alice.identity.accountId, 1]],
      preKeys: [1, 2, 3],
      kyber: [1, 2, 3, 0xffffff],
      signed: [1],
    });
    expect(durable.preKeys.size).toBe(2);
    expect(durable.kyberPreKeys.get(0xffffff)?.lastResort).toBe(true);
    const bobMoved = new SessionCipher(durable, bob.address);
    const later = await alice.session.encrypt(bob.address, utf8('still there?'));
    expect(fromUtf8(await bobMoved.decrypt(alice.address, later))).toBe('still there?');
    const reply = await bobMoved.encrypt(alice.address, utf8('yes'));
    expect(fromUtf8(await alice.session.decrypt(bob.address, reply))).toBe('yes');

    // And back: a memory store seeded from bytes works the same.
    const memory = new MemoryProtocolStore(await durable.getLocalIdentity());
    await copyStore(durable, memory, {
      accounts: [alice.identity.accountId],
      devices: [[alice.identity.accountId, 1]],
      preKeys: [],
      kyber: [],
      signed: [1],
    });
    const bobBack = new SessionCipher(memory, bob.address);
    const again = await alice.session.encrypt(bob.address, utf8('and again'));
    expect(fromUtf8(await bobBack.decrypt(alice.address, again))).toBe('and again');
  });
});

describe.each([
  ['MemoryProtocolStore', (identity: ReturnType<typeof generateIdentity>) => new MemoryProtocolStore(identity)],
  ['a bytes-only store', (identity: ReturnType<typeof generateIdentity>) => new BytesOnlyProtocolStore(identity)],
])('libsignal adapters over %s', (_name, makeStore) => {
  it('trusts only the key the account id commits to; a recorded key cannot widen that', async () => {
    const store = makeStore(generateIdentity());
    const { identity } = signalStoresFor(store);
    const bob = generateIdentity();
    const bobKey = PublicKey.deserialize(bob.identityKey);
    const strangerKey = PublicKey.deserialize(generateIdentity().identityKey);
    const bobAddress = ProtocolAddress.new(bob.accountId, 1);

    expect(await identity.isTrustedIdentity(bobAddress, strangerKey, Direction.Sending)).toBe(false);
    expect(await identity.isTrustedIdentity(bobAddress, bobKey, Direction.Receiving)).toBe(true);
    expect(await identity.getIdentity(bobAddress)).toBeNull();

    expect(await identity.saveIdentity(bobAddress, bobKey)).toBe(IdentityChange.NewOrUnchanged);
    const recorded = await store.getRemoteIdentity(bob.accountId);
    expect(recorded?.trust).toBe('first-use');
    expect(recorded?.identityKey).toEqual(bob.identityKey);
    expect((await identity.getIdentity(bobAddress))?.equals(bobKey)).toBe(true);

    const refused = await rejection(identity.saveIdentity(bobAddress, strangerKey));
    expect(ParleyCryptoError.is(refused, CryptoErrorCode.ForgedIdentity)).toBe(true);
    expect((await store.getRemoteIdentity(bob.accountId))?.identityKey).toEqual(bob.identityKey);
    expect(await identity.isTrustedIdentity(bobAddress, strangerKey, Direction.Receiving)).toBe(false);

    // A store written when a user could accept a forged key may hold one: it
    // is still not trusted, and the key the id commits to takes its place.
    await store.saveRemoteIdentity(bob.accountId, {
      identityKey: strangerKey.serialize(),
      trust: 'first-use',
      updatedAt: 1,
    });
    expect(await identity.isTrustedIdentity(bobAddress, strangerKey, Direction.Sending)).toBe(false);
    expect(await identity.isTrustedIdentity(bobAddress, bobKey, Direction.Receiving)).toBe(true);
    expect(await identity.saveIdentity(bobAddress, bobKey)).toBe(IdentityChange.ReplacedExisting);
    expect((await store.getRemoteIdentity(bob.accountId))?.identityKey).toEqual(bob.identityKey);
  });

  it('removes used one-time Kyber prekeys, keeps the last-resort one and refuses its replay', async () => {
    const identity = generateIdentity();
    const store = makeStore(identity);
    const device = await createTestDevice({ identity, store: () => store, kyberPreKeys: 1 });
    const { kyberPreKey } = signalStoresFor(device.store);
    const baseKey = PrivateKey.generate().getPublicKey();

    await kyberPreKey.markKyberPreKeyUsed(1, 1, baseKey);
    expect(await store.loadKyberPreKey(1)).toBeNull();

    const lastResortId = device.lastResortKyberPreKey.keyId;
    await kyberPreKey.markKyberPreKeyUsed(lastResortId, 1, baseKey);
    await kyberPreKey.markKyberPreKeyUsed(lastResortId, 1, PrivateKey.generate().getPublicKey());
    expect((await store.loadKyberPreKey(lastResortId))?.lastResort).toBe(true);
    const replay = await rejection(kyberPreKey.markKyberPreKeyUsed(lastResortId, 1, baseKey));
    expect(ParleyCryptoError.is(replay, CryptoErrorCode.DuplicateMessage)).toBe(true);
    // Under another signed prekey it is another session setup, not a replay.
    await kyberPreKey.markKyberPreKeyUsed(lastResortId, 2, baseKey);
    // Rotating the last-resort key forgets its uses.
    expect(await store.recordLastResortKyberUse(lastResortId, 3, baseKey.serialize())).toBe(true);
    await store.removeKyberPreKey(lastResortId);
    expect(await store.recordLastResortKyberUse(lastResortId, 3, baseKey.serialize())).toBe(true);
  });

  it('reports missing prekeys as INVALID_KEY_ID and missing sessions as NO_SESSION', async () => {
    const store = makeStore(generateIdentity());
    const stores = signalStoresFor(store);
    for (const missing of [
      stores.preKey.getPreKey(42),
      stores.signedPreKey.getSignedPreKey(42),
      stores.kyberPreKey.getKyberPreKey(42),
    ]) {
      expect(ParleyCryptoError.is(await rejection(missing), CryptoErrorCode.InvalidKeyId)).toBe(true);
    }
    const nowhere = ProtocolAddress.new(generateIdentity().accountId, 1);
    expect(ParleyCryptoError.is(await rejection(stores.session.getExistingSessions([nowhere])), 'NO_SESSION')).toBe(
      true,
    );
    expect(await stores.session.getSession(nowhere)).toBeNull();
  });

  it('serves the local identity and registration id from the store', async () => {
    const identity = generateIdentity();
    const stores = signalStoresFor(makeStore(identity));
    expect((await stores.identity.getIdentityKeyPair()).publicKey.serialize()).toEqual(identity.identityKey);
    expect((await stores.identity.getIdentityKey()).getPublicKey().serialize()).toEqual(identity.identityKey);
    expect(await stores.identity.getLocalRegistrationId()).toBe(identity.registrationId);
  });
});

describe('signalStoresFor', () => {
  it('gives one set of adapters per store', () => {
    const store = new MemoryProtocolStore(generateIdentity());
    expect(signalStoresFor(store)).toBe(signalStoresFor(store));
    expect(signalStoresFor(new MemoryProtocolStore(generateIdentity()))).not.toBe(signalStoresFor(store));
  });
});

describe('trustIdentity', () => {
  it('records the committed key and whether it was verified, and refuses any other key', async () => {
    const store = new MemoryProtocolStore(generateIdentity());
    const bob = generateIdentity();
    const other = generateIdentity();

    const first = await trustIdentity(store, bob.accountId, bob.identityKey, { now: 1000 });
    expect(first).toEqual({ identityKey: bob.identityKey, trust: 'first-use', updatedAt: 1000 });
    const verified = await trustIdentity(store, bob.accountId, bob.identityKey, { verified: true, now: 2000 });
    expect(verified.trust).toBe('verified');
    const same = await trustIdentity(store, bob.accountId, bob.identityKey, { now: 3000 });
    expect(same.trust).toBe('verified');
    const withdrawn = await trustIdentity(store, bob.accountId, bob.identityKey, { verified: false, now: 3500 });
    expect(withdrawn).toEqual({ identityKey: bob.identityKey, trust: 'first-use', updatedAt: 3500 });

    // Another key for Bob's id is a forgery: refused, nothing written.
    const forged = await rejection(
      trustIdentity(store, bob.accountId, other.identityKey, { verified: true, now: 4000 }),
    );
    expect(ParleyCryptoError.is(forged, CryptoErrorCode.AccountIdMismatch)).toBe(true);
    expect(await store.getRemoteIdentity(bob.accountId)).toEqual(withdrawn);

    const badKey = await rejection(trustIdentity(store, bob.accountId, new Uint8Array(33)));
    expect(ParleyCryptoError.is(badKey, CryptoErrorCode.InvalidEncoding)).toBe(true);
    const badId = await rejection(trustIdentity(store, 'not-an-account', bob.identityKey));
    expect(ParleyCryptoError.is(badId, CryptoErrorCode.InvalidEncoding)).toBe(true);
  });
});
