/**
 * Fuzzing every parser in the Signal layer with seeded random and mutated
 * inputs: the only acceptable outcomes are a result or a ParleyCryptoError.
 * Each failure message names the seed and iteration, so it reproduces.
 */

import { mutateBytes, mutateValue, pick, type Random, randomValue, seededRandom } from '@parley/test-support/fuzz';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Bytes, utf8 } from '../src/encoding.js';
import { ParleyCryptoError } from '../src/errors.js';
import { bundleFromWire } from '../src/signal/bundle.js';
import { newDistributionId } from '../src/signal/group.js';
import {
  generateTrustRoot,
  issueSenderCertificate,
  issueServerCertificate,
  readSenderCertificate,
  SealedSenderCipher,
  validateSenderCertificate,
} from '../src/signal/index.js';
import { compareScannedFingerprint, computeSafetyNumber } from '../src/signal/safety-number.js';
import type { SignalCiphertext } from '../src/signal/session.js';
import type { PreKeyBundleWire } from '../src/wire/keys.js';
import { createTestDevice, type TestDevice } from './support/test-devices.js';

const FUZZ_TIMEOUT = 20_000;

interface Tally {
  ok: number;
  rejected: Map<string, number>;
}

/** Runs `attempt` on `iterations` inputs; anything thrown that is not a ParleyCryptoError fails the test. */
async function fuzz(
  seed: number,
  iterations: number,
  attempt: (random: Random, iteration: number) => unknown | Promise<unknown>,
): Promise<Tally> {
  const random = seededRandom(seed);
  const tally: Tally = { ok: 0, rejected: new Map() };
  for (let iteration = 0; iteration < iterations; iteration++) {
    try {
      await attempt(random, iteration);
      tally.ok++;
    } catch (error) {
      if (!ParleyCryptoError.is(error)) {
        throw new Error(`seed ${seed}, iteration ${iteration}: ${String(error)}`, { cause: error });
      }
      expect(error.cause, `seed ${seed}, iteration ${iteration}: cause`).toBeDefined();
      tally.rejected.set(error.code, (tally.rejected.get(error.code) ?? 0) + 1);
    }
  }
  if (process.env.FUZZ_REPORT) console.log(seed.toString(16), tally.ok, Object.fromEntries(tally.rejected));
  return tally;
}

function randomBytes(random: Random, max: number): Bytes {
  return new Uint8Array(Math.floor(random() * max)).map(() => Math.floor(random() * 256));
}

describe('fuzz: Signal parsers only ever throw ParleyCryptoError', () => {
  let alice: TestDevice;
  let bob: TestDevice;
  let validBundle: PreKeyBundleWire;

  beforeAll(async () => {
    alice = await createTestDevice({ preKeys: 2, kyberPreKeys: 2 });
    bob = await createTestDevice({ preKeys: 2, kyberPreKeys: 2 });
    validBundle = bob.nextBundle();
  });

  it(
    'bundleFromWire',
    async () => {
      const tally = await fuzz(0xb0d1e, 6000, (random) => {
        const input = random() < 0.8 ? mutateValue(random, validBundle) : randomValue(random);
        bundleFromWire(input);
      });
      expect(tally.rejected.size).toBeGreaterThan(0);
      expect(tally.rejected.get('INTERNAL')).toBeUndefined();
    },
    FUZZ_TIMEOUT,
  );

  it(
    'decrypt of random and mutated PreKey and ratchet messages',
    async () => {
      await alice.session.startSession(validBundle);
      const prekey = await alice.session.encrypt(bob.address, utf8('first'));
      expect(prekey.type).toBe('prekey');
      // A second fresh receiver keeps a pristine PreKey target for mutations.
      const samples: SignalCiphertext[] = [prekey];
      const carol = await createTestDevice();
      await carol.session.startSession(alice.nextBundle());
      await alice.session.decrypt(carol.address, await carol.session.encrypt(alice.address, utf8('hi')));
      await carol.session.decrypt(alice.address, await alice.session.encrypt(carol.address, utf8('ack')));
      for (let i = 0; i < 4; i++) samples.push(await carol.session.encrypt(alice.address, utf8(`ratchet ${i}`)));
      expect(samples.slice(1).every((sample) => sample.type === 'message')).toBe(true);

      const tally = await fuzz(0xdec0de, 10_000, async (random) => {
        const sample = pick(random, samples);
        const type = random() < 0.9 ? sample.type : pick(random, ['prekey', 'message', 'sealed', '']);
        const body = random() < 0.85 ? mutateBytes(random, sample.body) : randomBytes(random, 300);
        const receiver = sample.type === 'prekey' ? bob : alice;
        const sender = sample.type === 'prekey' ? alice : carol;
        await receiver.session.decrypt(sender.address, { type, body } as SignalCiphertext);
      });
      expect(tally.rejected.get('INTERNAL')).toBeUndefined();
      // The sessions survived the abuse: the genuine messages still open.
      for (const sample of samples) {
        const receiver = sample.type === 'prekey' ? bob : alice;
        const sender = sample.type === 'prekey' ? alice : carol;
        try {
          await receiver.session.decrypt(sender.address, sample);
        } catch (error) {
          // A mutation that happened to leave a message intact already consumed it.
          expect(ParleyCryptoError.is(error, 'DUPLICATE_MESSAGE')).toBe(true);
        }
      }
    },
    FUZZ_TIMEOUT,
  );

  it(
    'group decrypt and distribution messages',
    async () => {
      const distributionId = newDistributionId();
      const distribution = await alice.group.createDistributionMessage(distributionId);
      await bob.group.processDistributionMessage(alice.address, distribution);
      const messages = [
        await alice.group.encrypt(distributionId, utf8('one')),
        await alice.group.encrypt(distributionId, utf8('two')),
      ];
      const tally = await fuzz(0x6a0b, 8000, async (random) => {
        if (random() < 0.3) {
          await bob.group.processDistributionMessage(alice.address, mutateBytes(random, distribution));
          return;
        }
        const body = random() < 0.85 ? mutateBytes(random, pick(random, messages)) : randomBytes(random, 200);
        await bob.group.decrypt(alice.address, body);
      });
      expect(tally.rejected.get('INTERNAL')).toBeUndefined();
    },
    FUZZ_TIMEOUT,
  );

  it(
    'sealed-sender decrypt and certificate parsing',
    async () => {
      const root = generateTrustRoot();
      const server = issueServerCertificate(root.privateKey, 1);
      const now = Date.now();
      const certificate = issueSenderCertificate({
        sender: alice.address,
        identityKey: alice.identity.identityKey,
        expiresAt: now + 3600_000,
        serverCertificate: server.certificate,
        serverPrivateKey: server.privateKey,
      });
      const dave = await createTestDevice();
      await alice.session.startSession(dave.nextBundle());
      const sealedFromAlice = new SealedSenderCipher(alice.store, alice.address, root.publicKey);
      const daveSealed = new SealedSenderCipher(dave.store, dave.address, root.publicKey);
      const sealed = [
        await sealedFromAlice.encrypt(dave.address, utf8('sealed one'), certificate, now),
        await sealedFromAlice.encrypt(dave.address, utf8('sealed two'), certificate, now),
      ];

      const opened = await fuzz(0x5ea1, 6000, async (random) => {
        const body = random() < 0.85 ? mutateBytes(random, pick(random, sealed)) : randomBytes(random, 400);
        await daveSealed.decrypt(body, now);
      });
      expect(opened.rejected.get('INTERNAL')).toBeUndefined();

      const parsed = await fuzz(0xce27, 8000, (random) => {
        const bytes = random() < 0.85 ? mutateBytes(random, certificate) : randomBytes(random, 300);
        if (random() < 0.5) readSenderCertificate(bytes);
        else validateSenderCertificate(bytes, random() < 0.9 ? root.publicKey : randomBytes(random, 40), now);
      });
      expect(parsed.rejected.get('INTERNAL')).toBeUndefined();
    },
    FUZZ_TIMEOUT,
  );

  it(
    'scanned fingerprint compare',
    async () => {
      const ours = computeSafetyNumber(
        { accountId: alice.identity.accountId, identityKey: alice.identity.identityKey },
        { accountId: bob.identity.accountId, identityKey: bob.identity.identityKey },
      );
      const theirs = computeSafetyNumber(
        { accountId: bob.identity.accountId, identityKey: bob.identity.identityKey },
        { accountId: alice.identity.accountId, identityKey: alice.identity.identityKey },
      );
      const tally = await fuzz(0xf1a9, 10_000, (random) => {
        const scanned = random() < 0.85 ? mutateBytes(random, theirs.scannable) : randomBytes(random, 120);
        compareScannedFingerprint(ours, scanned);
      });
      expect(tally.rejected.get('INTERNAL')).toBeUndefined();
      expect(tally.rejected.get('INVALID_ENCODING')).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT,
  );
});
