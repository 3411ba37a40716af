/**
 * Signal-protocol figures for `npm run bench -w crypto-core`: each operation
 * through crypto-core's wrapper and with raw libsignal calls over minimal
 * in-memory stores, in the same run, plus the ratio wrapper/raw (the aim is
 * >= 0.9: the wrapper may cost at most 10%).
 *
 * Fairness: after a warm-up of both, wrapper and raw operations alternate one
 * by one (see `compare`), so load from other processes, CPU clock drift and
 * GC hit both alike. Both sides do the same protocol work from the same kind
 * of input: the raw side also parses the bundle from its wire form and
 * (de)serializes every message, as any real caller must; what it skips is
 * exactly what the wrapper adds (schema, account-id and signature checks on
 * bundles, typed errors, trust policy, replay check on the last-resort Kyber
 * key, address handling).
 *
 * Known gap: a PQXDH setup through the wrapper runs about 0.87x raw. The
 * wrapper no longer verifies the two prekey signatures itself on this path
 * (libsignal's processPreKeyBundle does, and its failure maps to
 * INVALID_SIGNATURE); what remains is the mandated wire-schema check of the
 * bundle (~13 us, mostly the 2 KB base64 Kyber key), the account-id check
 * (~3 us), the trust policy in the identity store and the replay log of the
 * last-resort Kyber key, on a ~1.5 ms operation.
 *
 * Standalone: node --conditions=source --import tsx -e \
 *   "import('./bench/signal-bench.ts').then(m=>m.benchSignal()).then(console.log)"
 */
import {
  groupEncrypt,
  IdentityKeyPair,
  KEMPublicKey,
  KyberPreKeyRecord,
  PreKeyBundle,
  PreKeyRecord,
  PreKeySignalMessage,
  ProtocolAddress,
  PublicKey,
  processPreKeyBundle,
  processSenderKeyDistributionMessage,
  SenderCertificate,
  SenderKeyDistributionMessage,
  SignalMessage,
  SignedPreKeyRecord,
  sealedSenderDecryptMessage,
  sealedSenderEncryptMessage,
  signalDecrypt,
  signalDecryptPreKey,
  signalEncrypt,
} from '@signalapp/libsignal-client';
import { newDistributionId } from '../src/signal/group.js';
import type { LocalIdentity } from '../src/signal/identity.js';
import {
  generateTrustRoot,
  issueSenderCertificate,
  issueServerCertificate,
  SealedSenderCipher,
} from '../src/signal/index.js';
import {
  generateKyberPreKeys,
  generateOneTimePreKeys,
  nextPreKeyId,
  storeGeneratedPreKeys,
} from '../src/signal/prekeys.js';
import { MemoryProtocolStore } from '../src/store/memory-store.js';
import type { PreKeyBundleWire } from '../src/wire/keys.js';
import { createTestDevice, type TestDevice } from '../test/support/test-devices.js';
import { RawStores } from './raw-stores.js';

// ---------------------------------------------------------------------------
// Raw libsignal: the least a caller must write, records kept as objects (raw-stores.ts).

interface RawDevice {
  readonly stores: RawStores;
  readonly address: ProtocolAddress;
}

/** A raw twin of a test device: same keys (records copied over), separate state. */
function rawTwin(device: TestDevice): RawDevice {
  const stores = new RawStores(
    IdentityKeyPair.deserialize(device.identity.identityKeyPair),
    device.identity.registrationId,
  );
  stores.signedPreKeys.set(device.signedPreKey.keyId, SignedPreKeyRecord.deserialize(device.signedPreKey.record));
  stores.kyberPreKeys.set(
    device.lastResortKyberPreKey.keyId,
    KyberPreKeyRecord.deserialize(device.lastResortKyberPreKey.record),
  );
  return { stores, address: ProtocolAddress.new(device.address.accountId, device.address.deviceId) };
}

function decode(text: string): Uint8Array<ArrayBuffer> {
  const decoded = Buffer.from(text, 'base64');
  return new Uint8Array(decoded.buffer as ArrayBuffer, decoded.byteOffset, decoded.byteLength);
}

/** What a raw caller does with a relay's bundle: decode and deserialize, no extra checks. */
function rawBundle(wire: PreKeyBundleWire): PreKeyBundle {
  const fromBase64 = decode;
  return PreKeyBundle.new(
    wire.registrationId,
    wire.deviceId,
    wire.preKey === null ? null : wire.preKey.keyId,
    wire.preKey === null ? null : PublicKey.deserialize(fromBase64(wire.preKey.publicKey)),
    wire.signedPreKey.keyId,
    PublicKey.deserialize(fromBase64(wire.signedPreKey.publicKey)),
    fromBase64(wire.signedPreKey.signature),
    PublicKey.deserialize(fromBase64(wire.identityKey)),
    wire.kyberPreKey.keyId,
    KEMPublicKey.deserialize(fromBase64(wire.kyberPreKey.publicKey)),
    fromBase64(wire.kyberPreKey.signature),
  );
}

/** A MemoryProtocolStore factory for createTestDevice that keeps a handle on the store. */
function memoryStore(): { create: (identity: LocalIdentity) => MemoryProtocolStore; get: () => MemoryProtocolStore } {
  let store: MemoryProtocolStore | undefined;
  return {
    create: (identity) => {
      store = new MemoryProtocolStore(identity);
      return store;
    },
    get: () => {
      if (store === undefined) throw new Error('store not created yet');
      return store;
    },
  };
}

// ---------------------------------------------------------------------------
// Timing.

type Operation = () => Promise<void>;

/** An operation, and optionally untimed work to do before each run of it. */
interface Timed {
  readonly run: Operation;
  readonly before?: () => void | Promise<void>;
}

const WARM_UP_MS = 300;
/** Wall time per figure, both sides together (each side gets about half: ~1.5 s). */
const MEASURE_MS = 3000;
/** Share of the slowest samples dropped on each side (preemption by other processes, outlier GC pauses). */
const TRIM = 0.1;

interface Comparison {
  readonly wrapper: number;
  readonly raw: number;
  readonly ratio: number;
}

function trimmedMean(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const kept = sorted.slice(0, Math.max(1, Math.ceil(sorted.length * (1 - TRIM))));
  return kept.reduce((sum, value) => sum + value, 0) / kept.length;
}

/**
 * Times wrapper and raw operations interleaved one by one (alternating which
 * goes first), so whatever else the machine is doing hits both sides alike;
 * this box has 2 cores shared with other work, and slice-wise comparisons
 * swung +-15% between identical operations. Rates come from the mean
 * operation time with the slowest 10% of each side dropped.
 */
async function compare(wrapperOperation: Operation | Timed, rawOperation: Operation | Timed): Promise<Comparison> {
  const wrapper: Timed = typeof wrapperOperation === 'function' ? { run: wrapperOperation } : wrapperOperation;
  const raw: Timed = typeof rawOperation === 'function' ? { run: rawOperation } : rawOperation;
  for (const operation of [wrapper, raw]) {
    const warmUntil = performance.now() + WARM_UP_MS;
    while (performance.now() < warmUntil) {
      await operation.before?.();
      await operation.run();
    }
  }
  const times = { wrapper: [] as number[], raw: [] as number[] };
  const deadline = performance.now() + MEASURE_MS;
  for (let round = 0; performance.now() < deadline; round++) {
    const order: Array<'wrapper' | 'raw'> = round % 2 === 0 ? ['wrapper', 'raw'] : ['raw', 'wrapper'];
    for (const side of order) {
      const operation = side === 'wrapper' ? wrapper : raw;
      await operation.before?.();
      const started = performance.now();
      await operation.run();
      times[side].push(performance.now() - started);
    }
  }
  const wrapperRate = 1000 / trimmedMean(times.wrapper);
  const rawRate = 1000 / trimmedMean(times.raw);
  return { wrapper: wrapperRate, raw: rawRate, ratio: wrapperRate / rawRate };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

// ---------------------------------------------------------------------------
// Figures.

const PLAINTEXT = new Uint8Array(256).fill(0x61);
/**
 * Devices without one-time prekeys: sessions use the signed prekey and the
 * last-resort Kyber key, so one bundle serves a whole loop and the raw twin
 * needs only those two records.
 */
const NO_ONE_TIME_KEYS = { preKeys: 0, kyberPreKeys: 0 } as const;

/** Full PQXDH setup: initiator processes the bundle, sends the first message, responder decrypts it. */
async function pqxdh(): Promise<Comparison> {
  // Every setup is a first contact with fresh one-time keys, as in real use:
  // before each run (untimed) Bob gets a new one-time EC prekey and a new
  // one-time Kyber prekey, the relay's bundle carries them, and both sides
  // forget earlier sessions instead of piling archived states onto one record.
  const aliceStore = memoryStore();
  const bobStore = memoryStore();
  const alice = await createTestDevice({ ...NO_ONE_TIME_KEYS, store: aliceStore.create });
  const bob = await createTestDevice({ ...NO_ONE_TIME_KEYS, store: bobStore.create });
  const template = bob.nextBundle();
  let nextKeyId = 1;
  const freshKeys = () => {
    const keyId = nextKeyId;
    nextKeyId = nextPreKeyId(nextKeyId);
    const preKey = generateOneTimePreKeys(keyId, 1).keys[0];
    const kyberPreKey = generateKyberPreKeys(bob.identity, keyId, 1).keys[0];
    if (preKey === undefined || kyberPreKey === undefined) throw new Error('no key generated');
    const bundle: PreKeyBundleWire = { ...template, preKey: preKey.wire, kyberPreKey: kyberPreKey.wire };
    return { preKey, kyberPreKey, bundle };
  };

  let wrapperBundle = template;
  const wrapper: Timed = {
    before: async () => {
      aliceStore.get().clearSessions();
      bobStore.get().clearSessions();
      const keys = freshKeys();
      await storeGeneratedPreKeys(bob.store, { preKeys: [keys.preKey], kyberPreKeys: [keys.kyberPreKey] });
      wrapperBundle = keys.bundle;
    },
    run: async () => {
      await alice.session.startSession(wrapperBundle);
      const first = await alice.session.encrypt(bob.address, PLAINTEXT);
      await bob.session.decrypt(alice.address, first);
    },
  };

  const rawAlice = rawTwin(alice);
  const rawBob = rawTwin(bob);
  let rawWire = template;
  const raw: Timed = {
    before: () => {
      rawAlice.stores.sessions.clear();
      rawBob.stores.sessions.clear();
      const keys = freshKeys();
      rawBob.stores.preKeys.set(keys.preKey.keyId, PreKeyRecord.deserialize(keys.preKey.record));
      rawBob.stores.kyberPreKeys.set(keys.kyberPreKey.keyId, KyberPreKeyRecord.deserialize(keys.kyberPreKey.record));
      rawWire = keys.bundle;
    },
    run: async () => {
      const a = rawAlice.stores;
      const b = rawBob.stores;
      await processPreKeyBundle(rawBundle(rawWire), rawBob.address, rawAlice.address, a.session, a.identity);
      const first = await signalEncrypt(PLAINTEXT, rawBob.address, rawAlice.address, a.session, a.identity);
      await signalDecryptPreKey(
        PreKeySignalMessage.deserialize(first.serialize()),
        rawAlice.address,
        rawBob.address,
        b.session,
        b.identity,
        b.preKey,
        b.signedPreKey,
        b.kyberPreKey,
      );
    },
  };
  return compare(wrapper, raw);
}

/** One 256-byte message encrypted by Alice and decrypted by Bob on an established session. */
async function encryptDecrypt(): Promise<Comparison> {
  const alice = await createTestDevice(NO_ONE_TIME_KEYS);
  const bob = await createTestDevice(NO_ONE_TIME_KEYS);
  await alice.session.startSession(bob.nextBundle());
  await bob.session.decrypt(alice.address, await alice.session.encrypt(bob.address, PLAINTEXT));
  await alice.session.decrypt(bob.address, await bob.session.encrypt(alice.address, PLAINTEXT));
  const wrapper: Operation = async () => {
    const message = await alice.session.encrypt(bob.address, PLAINTEXT);
    await bob.session.decrypt(alice.address, message);
  };

  const rawAlice = rawTwin(alice);
  const rawBob = rawTwin(bob);
  const a = rawAlice.stores;
  const b = rawBob.stores;
  await processPreKeyBundle(rawBundle(bob.nextBundle()), rawBob.address, rawAlice.address, a.session, a.identity);
  const hello = await signalEncrypt(PLAINTEXT, rawBob.address, rawAlice.address, a.session, a.identity);
  await signalDecryptPreKey(
    PreKeySignalMessage.deserialize(hello.serialize()),
    rawAlice.address,
    rawBob.address,
    b.session,
    b.identity,
    b.preKey,
    b.signedPreKey,
    b.kyberPreKey,
  );
  const ack = await signalEncrypt(PLAINTEXT, rawAlice.address, rawBob.address, b.session, b.identity);
  await signalDecrypt(
    SignalMessage.deserialize(ack.serialize()),
    rawBob.address,
    rawAlice.address,
    a.session,
    a.identity,
  );
  const raw: Operation = async () => {
    const message = await signalEncrypt(PLAINTEXT, rawBob.address, rawAlice.address, a.session, a.identity);
    await signalDecrypt(
      SignalMessage.deserialize(message.serialize()),
      rawAlice.address,
      rawBob.address,
      b.session,
      b.identity,
    );
  };
  return compare(wrapper, raw);
}

/** One sealed-sender message: encrypt (inner message + seal) and decrypt (validate certificate, open, decrypt). */
async function sealedSender(): Promise<Comparison> {
  const root = generateTrustRoot();
  const server = issueServerCertificate(root.privateKey, 1);
  const expiresAt = Date.now() + 24 * 3600 * 1000;
  const alice = await createTestDevice(NO_ONE_TIME_KEYS);
  const bob = await createTestDevice(NO_ONE_TIME_KEYS);
  const certificate = issueSenderCertificate({
    sender: alice.address,
    identityKey: alice.identity.identityKey,
    expiresAt,
    serverCertificate: server.certificate,
    serverPrivateKey: server.privateKey,
  });
  await alice.session.startSession(bob.nextBundle());
  await bob.session.decrypt(alice.address, await alice.session.encrypt(bob.address, PLAINTEXT));
  await alice.session.decrypt(bob.address, await bob.session.encrypt(alice.address, PLAINTEXT));
  const aliceSealed = new SealedSenderCipher(alice.store, alice.address, root.publicKey);
  const bobSealed = new SealedSenderCipher(bob.store, bob.address, root.publicKey);
  const wrapper: Operation = async () => {
    const sealed = await aliceSealed.encrypt(bob.address, PLAINTEXT, certificate);
    await bobSealed.decrypt(sealed);
  };

  const rawAlice = rawTwin(alice);
  const rawBob = rawTwin(bob);
  const a = rawAlice.stores;
  const b = rawBob.stores;
  const trustRoot = PublicKey.deserialize(root.publicKey);
  const rawCertificate = SenderCertificate.deserialize(certificate);
  await processPreKeyBundle(rawBundle(bob.nextBundle()), rawBob.address, rawAlice.address, a.session, a.identity);
  const hello = await signalEncrypt(PLAINTEXT, rawBob.address, rawAlice.address, a.session, a.identity);
  await signalDecryptPreKey(
    PreKeySignalMessage.deserialize(hello.serialize()),
    rawAlice.address,
    rawBob.address,
    b.session,
    b.identity,
    b.preKey,
    b.signedPreKey,
    b.kyberPreKey,
  );
  const ack = await signalEncrypt(PLAINTEXT, rawAlice.address, rawBob.address, b.session, b.identity);
  await signalDecrypt(
    SignalMessage.deserialize(ack.serialize()),
    rawBob.address,
    rawAlice.address,
    a.session,
    a.identity,
  );
  const bobId = bob.address.accountId;
  const raw: Operation = async () => {
    const sealed = await sealedSenderEncryptMessage(PLAINTEXT, rawBob.address, rawCertificate, a.session, a.identity);
    const opened = await sealedSenderDecryptMessage(
      sealed,
      trustRoot,
      Date.now(),
      null,
      bobId,
      1,
      b.session,
      b.identity,
      b.preKey,
      b.signedPreKey,
      b.kyberPreKey,
    );
    opened.message();
  };
  return compare(wrapper, raw);
}

/** Group encrypt of a 256-byte message under an established sender key. */
async function groupEncryptOnly(): Promise<Comparison> {
  const alice = await createTestDevice(NO_ONE_TIME_KEYS);
  const distributionId = newDistributionId();
  await alice.group.createDistributionMessage(distributionId);
  const wrapper: Operation = async () => {
    await alice.group.encrypt(distributionId, PLAINTEXT);
  };
  const rawAlice = rawTwin(alice);
  const rawDistribution = newDistributionId();
  const distribution = await SenderKeyDistributionMessage.create(
    rawAlice.address,
    rawDistribution,
    rawAlice.stores.senderKey,
  );
  // A receiver exists in the raw world too (not timed), as in the wrapper's.
  const receiver = new RawStores(IdentityKeyPair.generate(), 1);
  await processSenderKeyDistributionMessage(rawAlice.address, distribution, receiver.senderKey);
  const raw: Operation = async () => {
    (await groupEncrypt(rawAlice.address, rawDistribution, rawAlice.stores.senderKey, PLAINTEXT)).serialize();
  };
  return compare(wrapper, raw);
}

export async function benchSignal(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  const cases: Array<[string, string, () => Promise<Comparison>]> = [
    ['pqxdh_setups_per_s', 'pqxdh', pqxdh],
    ['encrypt_decrypt_pairs_per_s', 'encrypt_decrypt', encryptDecrypt],
    ['sealed_sender_pairs_per_s', 'sealed_sender', sealedSender],
    ['group_encrypts_per_s', 'group_encrypt', groupEncryptOnly],
  ];
  for (const [key, ratioPrefix, measure] of cases) {
    const { wrapper, raw, ratio } = await measure();
    figures[key] = round(wrapper, 0);
    figures[`${key}_raw`] = round(raw, 0);
    figures[`${ratioPrefix}_ratio`] = round(ratio, 3);
    console.log(
      `signal ${key.padEnd(28)} wrapper ${wrapper.toFixed(0).padStart(6)}/s  raw ${raw.toFixed(0).padStart(6)}/s  ratio ${ratio.toFixed(3)}`,
    );
  }
  return figures;
}
