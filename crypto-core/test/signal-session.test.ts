import { describe, expect, it } from 'vitest';
import { type Bytes, fromUtf8, toBase64, utf8 } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';
import { bundleFromWire } from '../src/signal/bundle.js';
import { ForgedIdentityError } from '../src/signal/errors-map.js';
import { generateIdentity } from '../src/signal/identity.js';
import { SessionCipher, type SignalCiphertext } from '../src/signal/session.js';
import { trustIdentity } from '../src/signal/trust.js';
import { MemoryProtocolStore } from '../src/store/memory-store.js';
import { rejection } from './support/rejections.js';
import { BytesOnlyProtocolStore } from './support/test-bytes-store.js';
import { createTestDevice, type TestDevice, type TestDeviceOptions } from './support/test-devices.js';

function seededShuffle<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const storeKinds: ReadonlyArray<[string, TestDeviceOptions['store']]> = [
  ['MemoryProtocolStore', (identity) => new MemoryProtocolStore(identity)],
  ['a bytes-only store', (identity) => new BytesOnlyProtocolStore(identity)],
];

describe.each(storeKinds)('sessions over %s', (_name, store) => {
  const device = (options: TestDeviceOptions = {}) => createTestDevice({ store, ...options });

  async function connect(from: TestDevice, to: TestDevice): Promise<void> {
    await from.session.startSession(to.nextBundle());
  }

  it('sets up a two-party session with PQXDH and talks both ways', async () => {
    const alice = await device();
    const bob = await device();
    const address = await alice.session.startSession(bob.nextBundle());
    expect(address).toEqual(bob.address);
    expect(await alice.session.hasSession(bob.address)).toBe(true);

    const first = await alice.session.encrypt(bob.address, utf8('hello bob'));
    expect(first.type).toBe('prekey');
    expect(fromUtf8(await bob.session.decrypt(alice.address, first))).toBe('hello bob');

    const reply = await bob.session.encrypt(alice.address, utf8('hi alice'));
    expect(reply.type).toBe('message');
    expect(fromUtf8(await alice.session.decrypt(bob.address, reply))).toBe('hi alice');

    // Once Bob answered, Alice's messages are plain ratchet messages.
    const second = await alice.session.encrypt(bob.address, utf8('second'));
    expect(second.type).toBe('message');
    expect(fromUtf8(await bob.session.decrypt(alice.address, second))).toBe('second');
  });

  it('consumes the one-time prekeys a session used and keeps the last-resort Kyber key', async () => {
    const alice = await device();
    const bob = await device({ preKeys: 1, kyberPreKeys: 1 });
    const firstBundle = bob.nextBundle();
    const preKeyId = firstBundle.preKey?.keyId ?? 0;
    const kyberId = firstBundle.kyberPreKey.keyId;
    await alice.session.startSession(firstBundle);
    await bob.session.decrypt(alice.address, await alice.session.encrypt(bob.address, utf8('x')));
    expect(await bob.store.loadPreKey(preKeyId)).toBeNull();
    expect(await bob.store.loadKyberPreKey(kyberId)).toBeNull();

    // Out of one-time keys: the relay serves the last-resort Kyber key and no EC prekey.
    const carol = await device();
    const lastResortBundle = bob.nextBundle();
    expect(lastResortBundle.preKey).toBeNull();
    expect(lastResortBundle.kyberPreKey.keyId).toBe(bob.lastResortKyberPreKey.keyId);
    await carol.session.startSession(lastResortBundle);
    const hello = await carol.session.encrypt(bob.address, utf8('from carol'));
    expect(fromUtf8(await bob.session.decrypt(carol.address, hello))).toBe('from carol');
    const kept = await bob.store.loadKyberPreKey(bob.lastResortKyberPreKey.keyId);
    expect(kept?.lastResort).toBe(true);
  });

  it('runs three parties pairwise without crosstalk', async () => {
    const [alice, bob, carol] = await Promise.all([device(), device(), device()]);
    if (alice === undefined || bob === undefined || carol === undefined) throw new Error('devices');
    const pairs: Array<[TestDevice, TestDevice]> = [
      [alice, bob],
      [bob, carol],
      [carol, alice],
    ];
    for (const [from, to] of pairs) await connect(from, to);
    for (let round = 0; round < 3; round++) {
      for (const [from, to] of pairs) {
        const text = `${from.identity.accountId.slice(0, 4)}->${to.identity.accountId.slice(0, 4)} #${round}`;
        const there = await from.session.encrypt(to.address, utf8(text));
        expect(fromUtf8(await to.session.decrypt(from.address, there))).toBe(text);
        const back = await to.session.encrypt(from.address, utf8(`re: ${text}`));
        expect(fromUtf8(await from.session.decrypt(to.address, back))).toBe(`re: ${text}`);
      }
    }
    // A message for Bob does not open with Carol's session from Alice.
    const forBob = await alice.session.encrypt(bob.address, utf8('only bob'));
    const error = await rejection(carol.session.decrypt(alice.address, forBob));
    expect(error.code).toBe(CryptoErrorCode.InvalidMessage);
  });

  it('delivers 50 messages in shuffled order', async () => {
    const alice = await device();
    const bob = await device();
    await connect(alice, bob);
    await bob.session.decrypt(alice.address, await alice.session.encrypt(bob.address, utf8('start')));
    await alice.session.decrypt(bob.address, await bob.session.encrypt(alice.address, utf8('ack')));

    const sent: Array<{ index: number; message: SignalCiphertext }> = [];
    for (let index = 0; index < 50; index++) {
      sent.push({ index, message: await alice.session.encrypt(bob.address, utf8(`message ${index}`)) });
    }
    const received = new Map<number, string>();
    for (const { index, message } of seededShuffle(sent, 0x5eed)) {
      received.set(index, fromUtf8(await bob.session.decrypt(alice.address, message)));
    }
    expect(received.size).toBe(50);
    for (let index = 0; index < 50; index++) expect(received.get(index)).toBe(`message ${index}`);
  });

  it('rejects a replayed message as a duplicate (prekey and ratchet messages)', async () => {
    const alice = await device();
    const bob = await device();
    await connect(alice, bob);
    const first = await alice.session.encrypt(bob.address, utf8('once'));
    await bob.session.decrypt(alice.address, first);
    expect((await rejection(bob.session.decrypt(alice.address, first))).code).toBe(CryptoErrorCode.DuplicateMessage);

    await alice.session.decrypt(bob.address, await bob.session.encrypt(alice.address, utf8('ack')));
    const later = await alice.session.encrypt(bob.address, utf8('later'));
    expect(later.type).toBe('message');
    await bob.session.decrypt(alice.address, later);
    const replay = await rejection(bob.session.decrypt(alice.address, later));
    expect(replay.code).toBe(CryptoErrorCode.DuplicateMessage);
    expect(replay.cause).toBeInstanceOf(Error);
  });

  it('rejects a tampered ciphertext as invalid, and the session survives it', async () => {
    const alice = await device();
    const bob = await device();
    await connect(alice, bob);
    const first = await alice.session.encrypt(bob.address, utf8('authentic'));
    const tampered: Bytes = first.body.slice();
    tampered[tampered.length - 10] = (tampered[tampered.length - 10] ?? 0) ^ 0x01;
    const error = await rejection(bob.session.decrypt(alice.address, { type: first.type, body: tampered }));
    expect(error.code).toBe(CryptoErrorCode.InvalidMessage);
    expect(fromUtf8(await bob.session.decrypt(alice.address, first))).toBe('authentic');

    await alice.session.decrypt(bob.address, await bob.session.encrypt(alice.address, utf8('ack')));
    const next = await alice.session.encrypt(bob.address, utf8('next'));
    const flipped = next.body.slice();
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 0x80;
    expect((await rejection(bob.session.decrypt(alice.address, { type: 'message', body: flipped }))).code).toBe(
      CryptoErrorCode.InvalidMessage,
    );
    expect(fromUtf8(await bob.session.decrypt(alice.address, next))).toBe('next');
  });

  it('reports NO_SESSION without a session and INVALID_KEY_ID for a prekey we do not hold', async () => {
    const alice = await device();
    const bob = await device();
    expect((await rejection(alice.session.encrypt(bob.address, utf8('x')))).code).toBe(CryptoErrorCode.NoSession);
    await connect(alice, bob);
    const message = await alice.session.encrypt(bob.address, utf8('x'));
    // A device of Bob's account that never issued those prekeys.
    const bobSecond = await device({ identity: bob.identity, preKeys: 0, kyberPreKeys: 0 });
    const missing = await rejection(bobSecond.session.decrypt(alice.address, message));
    expect(missing.code).toBe(CryptoErrorCode.InvalidKeyId);
  });

  it('refuses a bundle with another key for a known id as a forgery; nothing can trust it, the session stays', async () => {
    const alice = await device();
    const bob = await device();
    await connect(alice, bob);
    await bob.session.decrypt(alice.address, await alice.session.encrypt(bob.address, utf8('hi')));

    // Someone presents a different identity key for Bob's address. Through
    // the wire that fails the account-id check; even past it (a libsignal
    // bundle built directly) the identity store refuses it as a forgery.
    const impostor = await device({ identity: generateIdentity() });
    const forgedWire = { ...impostor.nextBundle(), accountId: bob.identity.accountId };
    expect((await rejection(alice.session.startSession(forgedWire))).code).toBe(CryptoErrorCode.AccountIdMismatch);

    const impostorBundle = bundleFromWire(impostor.nextBundle());
    const refused = await rejection(alice.session.processPreKeyBundle(bob.address, impostorBundle));
    expect(refused.code).toBe(CryptoErrorCode.ForgedIdentity);
    expect(refused).toBeInstanceOf(ForgedIdentityError);
    if (!(refused instanceof ForgedIdentityError)) throw refused;
    expect(refused.accountId).toBe(bob.identity.accountId);
    // Nothing can make the forged key trusted: trustIdentity refuses it too.
    const trusting = await rejection(trustIdentity(alice.store, bob.identity.accountId, impostor.identity.identityKey));
    expect(trusting.code).toBe(CryptoErrorCode.AccountIdMismatch);
    expect((await rejection(alice.session.processPreKeyBundle(bob.address, impostorBundle))).code).toBe(
      CryptoErrorCode.ForgedIdentity,
    );
    // Bob's key is still the one on record, and the session with him still works.
    expect((await alice.store.getRemoteIdentity(bob.identity.accountId))?.identityKey).toEqual(
      bob.identity.identityKey,
    );
    const message = await alice.session.encrypt(bob.address, utf8('still you'));
    expect(fromUtf8(await bob.session.decrypt(alice.address, message))).toBe('still you');
  });

  it("refuses an incoming PreKey message with another key under a contact's address, changing no session", async () => {
    const alice = await device();
    const bob = await device();
    await connect(alice, bob);
    await bob.session.decrypt(alice.address, await alice.session.encrypt(bob.address, utf8('hi')));

    // A new key speaks as Alice's address to Bob.
    const newAlice = await device({ identity: generateIdentity() });
    const spoofedSender = new SessionCipher(newAlice.store, alice.address);
    await spoofedSender.startSession(bob.nextBundle());
    const spoofed = await spoofedSender.encrypt(bob.address, utf8('it is me, really'));
    const sessionBefore = await bob.store.loadSession(alice.identity.accountId, alice.address.deviceId);
    const refused = await rejection(bob.session.decrypt(alice.address, spoofed));
    expect(refused.code).toBe(CryptoErrorCode.ForgedIdentity);
    if (!(refused instanceof ForgedIdentityError)) throw refused;
    expect(refused.accountId).toBe(alice.identity.accountId);
    expect(await bob.store.loadSession(alice.identity.accountId, alice.address.deviceId)).toEqual(sessionBefore);
    expect((await bob.store.getRemoteIdentity(alice.identity.accountId))?.identityKey).toEqual(
      alice.identity.identityKey,
    );
    expect(
      (await rejection(trustIdentity(bob.store, alice.identity.accountId, newAlice.identity.identityKey))).code,
    ).toBe(CryptoErrorCode.AccountIdMismatch);
    expect((await rejection(bob.session.decrypt(alice.address, spoofed))).code).toBe(CryptoErrorCode.ForgedIdentity);

    // The real Alice's next message still decrypts on the untouched session.
    const real = await alice.session.encrypt(bob.address, utf8('the real one'));
    expect(fromUtf8(await bob.session.decrypt(alice.address, real))).toBe('the real one');
  });

  it('refuses a first contact whose identity key is not the key its account id commits to', async () => {
    const alice = await device();
    const bob = await device();
    const mallory = await device();
    // Mallory sends as Alice (whom Bob has never heard from) with Mallory's own key.
    const asAlice = new SessionCipher(mallory.store, alice.address);
    await asAlice.startSession(bob.nextBundle());
    const forged = await asAlice.encrypt(bob.address, utf8('hello from "alice"'));
    expect((await rejection(bob.session.decrypt(alice.address, forged))).code).toBe(CryptoErrorCode.ForgedIdentity);
    expect(await bob.store.getRemoteIdentity(alice.identity.accountId)).toBeNull();
  });

  it('rejects malformed arguments with typed errors', async () => {
    const alice = await device();
    const badAddress = { accountId: alice.identity.accountId, deviceId: 0 };
    expect((await rejection(alice.session.encrypt(badAddress, utf8('x')))).code).toBe(CryptoErrorCode.InvalidEncoding);
    const unknownType = { type: 'sealed', body: utf8('x') } as unknown as SignalCiphertext;
    expect((await rejection(alice.session.decrypt(alice.address, unknownType))).code).toBe(
      CryptoErrorCode.InvalidMessage,
    );
    expect(() => new SessionCipher(alice.store, { accountId: alice.identity.accountId, deviceId: 128 })).toThrow(
      ParleyCryptoError,
    );
  });
});

describe('replay protection for the last-resort Kyber prekey', () => {
  it('refuses a PreKey message replayed after its session was lost', async () => {
    const identity = generateIdentity();
    const bobStore = new BytesOnlyProtocolStore(identity);
    const bob = await createTestDevice({ identity, preKeys: 0, kyberPreKeys: 0, store: () => bobStore });
    const alice = await createTestDevice();
    await alice.session.startSession(bob.nextBundle());
    const first = await alice.session.encrypt(bob.address, utf8('once'));
    expect(fromUtf8(await bob.session.decrypt(alice.address, first))).toBe('once');

    bobStore.sessions.clear();
    const replay = await rejection(bob.session.decrypt(alice.address, first));
    expect(replay.code).toBe(CryptoErrorCode.DuplicateMessage);
  });
});

describe('store failures', () => {
  it('surface as INTERNAL, never as an invalid message, and the message can be retried', async () => {
    const identity = generateIdentity();
    const bobStore = new BytesOnlyProtocolStore(identity);
    const bob = await createTestDevice({ identity, store: () => bobStore });
    const alice = await createTestDevice();
    await alice.session.startSession(bob.nextBundle());
    const message = await alice.session.encrypt(bob.address, utf8('retry me'));
    bobStore.failNextCall = new Error('disk full');
    const failure = await rejection(bob.session.decrypt(alice.address, message));
    expect(failure.code).toBe(CryptoErrorCode.Internal);
    expect(fromUtf8(await bob.session.decrypt(alice.address, message))).toBe('retry me');
  });

  it('uses canonical base64 for every key in the bundle it hands out', async () => {
    const bob = await createTestDevice();
    const bundle = bob.nextBundle();
    expect(bundle.identityKey).toBe(toBase64(bob.identity.identityKey));
    expect(() => bundleFromWire(bundle)).not.toThrow();
  });
});
