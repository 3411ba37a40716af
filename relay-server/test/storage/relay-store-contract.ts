/**
 * The RelayStore contract as executable tests. `describeRelayStoreContract`
 * registers the same suite for any implementation, so the in-memory store
 * that unit tests use and the SQLite store that production uses cannot drift
 * apart. Each test gets a fresh, initialised store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DurabilityReport, NewEnvelope, RelayStore, StoredEnvelope } from '../../src/storage/relay-store.js';
import { RelayStoreError, RelayStoreErrorCode } from '../../src/storage/relay-store-errors.js';
import {
  DAY_MS,
  DEFAULT_INSTALLATION_ID,
  kyberPreKey,
  kyberPreKeys,
  NOW,
  newEnvelope,
  newIdentity,
  newInstallationId,
  oneTimePreKeys,
  registration,
  signedPreKey,
  type TestIdentity,
} from './store-fixtures.js';

/** Text and bytes that must not be found anywhere once an account is erased. */
export interface ResidueNeedles {
  readonly strings: readonly string[];
  readonly bytes: readonly Buffer[];
}

export interface RelayStoreHarness {
  /** A store that `init()` has not been called on. */
  readonly store: RelayStore;
  /**
   * Where any needle still appears (e.g. "envelopes.source_account"), by
   * looking at everything the store keeps. Optional: only stores whose
   * storage a test can read implement it.
   */
  readonly findResidue?: (needles: ResidueNeedles) => Promise<string[]>;
  /** Releases whatever the harness created (temporary folders). Called after `close()`. */
  readonly dispose: () => Promise<void>;
}

/**
 * A fresh, initialised store from `createHarness` for each test of the
 * enclosing describe block, closed and disposed after it.
 */
export function useFreshStore(createHarness: () => Promise<RelayStoreHarness>): {
  readonly harness: RelayStoreHarness;
} {
  const current: { harness: RelayStoreHarness | null } = { harness: null };
  beforeEach(async () => {
    current.harness = await createHarness();
    await current.harness.store.init();
  });
  afterEach(async () => {
    await current.harness?.store.close();
    await current.harness?.dispose();
    current.harness = null;
  });
  return {
    get harness(): RelayStoreHarness {
      if (current.harness === null) throw new Error('no store outside a test');
      return current.harness;
    },
  };
}

/** Resolves to the rejection of `promise`, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

function ids(envelopes: readonly { readonly id: string }[]): string[] {
  return envelopes.map((envelope) => envelope.id);
}

function expectStrictlyIncreasing(values: readonly number[]): void {
  for (let index = 1; index < values.length; index++) {
    expect(values[index]).toBeGreaterThan(values[index - 1] ?? Number.POSITIVE_INFINITY);
  }
}

export function describeRelayStoreContract(name: string, createHarness: () => Promise<RelayStoreHarness>): void {
  describe(`${name}: RelayStore contract`, () => {
    let harness: RelayStoreHarness;
    let store: RelayStore;
    let durability: DurabilityReport;

    beforeEach(async () => {
      harness = await createHarness();
      store = harness.store;
      durability = await store.init();
    });

    afterEach(async () => {
      await store.close();
      await harness.dispose();
    });

    /** Registers a fresh account's device 1 (5 EC + 5 Kyber one-time prekeys unless told otherwise). */
    async function registered(options: Parameters<typeof registration>[1] = {}): Promise<TestIdentity> {
      const identity = newIdentity();
      expect(await store.registerDevice(registration(identity, options))).toMatchObject({ takenOver: false });
      return identity;
    }

    describe('lifecycle', () => {
      it('reports what it promises about durability', () => {
        expect(durability.engine).toMatch(/\S/);
        // Nothing survives power loss that does not survive a process crash.
        if (durability.survivesPowerLoss) expect(durability.survivesProcessCrash).toBe(true);
        expect(typeof durability.settings).toBe('object');
      });

      it('answers with promises, and rejects (does not throw) once closed', async () => {
        const answer = store.countEnvelopes();
        expect(answer).toBeInstanceOf(Promise);
        expect(await answer).toBe(0);
        await store.close();
        await store.close(); // idempotent
        const refused = store.countEnvelopes();
        expect(refused).toBeInstanceOf(Promise);
        const error = await rejectionOf(refused);
        expect(RelayStoreError.is(error, RelayStoreErrorCode.StoreClosed)).toBe(true);
      });
    });

    describe('accounts and devices', () => {
      it('registers an account and lists its devices in device-id order', async () => {
        const identity = newIdentity();
        const third = await store.registerDevice(registration(identity, { deviceId: 3, registrationId: 33, now: NOW }));
        const otherInstall = newInstallationId();
        const first = await store.registerDevice(
          registration(identity, { deviceId: 1, registrationId: 11, now: NOW + 5, installationId: otherInstall }),
        );
        expect(third).toEqual({ generation: expect.any(String), takenOver: false, droppedEnvelopes: 0 });
        expect(first).toEqual({ generation: expect.any(String), takenOver: false, droppedEnvelopes: 0 });
        expect(await store.getAccount(identity.accountId)).toEqual({
          accountId: identity.accountId,
          identityKey: identity.identityKey,
          createdAt: NOW,
          devices: [
            {
              deviceId: 1,
              registrationId: 11,
              createdAt: NOW + 5,
              installationId: otherInstall,
              generation: first?.generation,
            },
            {
              deviceId: 3,
              registrationId: 33,
              createdAt: NOW,
              installationId: DEFAULT_INSTALLATION_ID,
              generation: third?.generation,
            },
          ],
          accessKeys: null,
        });
      });

      it('answers null for an account it does not know', async () => {
        expect(await store.getAccount(newIdentity().accountId)).toBeNull();
      });

      it('re-registration replaces the registration id and every key of the device, and keeps createdAt', async () => {
        const identity = await registered({ registrationId: 1, preKeys: oneTimePreKeys(1, 3) });
        const newSigned = signedPreKey(7);
        const newLastResort = kyberPreKey(900);
        const newPreKeys = oneTimePreKeys(100, 2);
        const newKyber = kyberPreKeys(200, 1);
        expect(
          await store.registerDevice(
            registration(identity, {
              registrationId: 2,
              signedPreKey: newSigned,
              lastResortKyberPreKey: newLastResort,
              preKeys: newPreKeys,
              kyberPreKeys: newKyber,
              now: NOW + DAY_MS,
            }),
          ),
        ).toMatchObject({ takenOver: false });

        const account = await store.getAccount(identity.accountId);
        expect(account?.devices).toMatchObject([{ deviceId: 1, registrationId: 2, createdAt: NOW }]);
        expect(await store.countPreKeys(identity.accountId, 1)).toEqual({ preKeys: 2, kyberPreKeys: 1 });
        const first = await store.claimBundle(identity.accountId, 1);
        expect(first).toMatchObject({
          registrationId: 2,
          signedPreKey: newSigned,
          preKey: newPreKeys[0],
          kyberPreKey: newKyber[0],
          kyberPreKeyIsLastResort: false,
        });
        const second = await store.claimBundle(identity.accountId, 1);
        expect(second).toMatchObject({
          preKey: newPreKeys[1],
          kyberPreKey: newLastResort,
          kyberPreKeyIsLastResort: true,
        });
      });

      it('refuses a device under another identity key for an existing account, changing nothing', async () => {
        const identity = await registered();
        const impostor = { ...newIdentity(), accountId: identity.accountId };
        expect(
          await store.registerDevice(registration(impostor, { deviceId: 2, preKeys: oneTimePreKeys(50, 1) })),
        ).toBeNull();
        const before = await store.getAccount(identity.accountId);
        expect(
          await store.registerDevice(
            registration(impostor, { deviceId: 1, registrationId: 99, installationId: newInstallationId() }),
          ),
        ).toBeNull();
        const account = await store.getAccount(identity.accountId);
        expect(account?.identityKey).toBe(identity.identityKey);
        expect(account?.devices).toEqual(before?.devices);
        expect(account?.devices).toMatchObject([{ deviceId: 1, registrationId: 1234, createdAt: NOW }]);
        expect(await store.countPreKeys(identity.accountId, 1)).toEqual({ preKeys: 5, kyberPreKeys: 5 });
        expect(await store.countPreKeys(identity.accountId, 2)).toEqual({ preKeys: 0, kyberPreKeys: 0 });
      });

      it('gives the device a new generation at every registration, never one it had before', async () => {
        const identity = newIdentity();
        const seen = new Set<string>();
        for (let round = 0; round < 3; round++) {
          const registered = await store.registerDevice(registration(identity));
          expect(registered?.generation).toMatch(/^[A-Za-z0-9+/]{22}==$/);
          seen.add(registered?.generation ?? '');
          const account = await store.getAccount(identity.accountId);
          expect(account?.devices[0]?.generation).toBe(registered?.generation);
        }
        // Not even after the account is deleted and its id registered again.
        await store.deleteAccount(identity.accountId);
        seen.add((await store.registerDevice(registration(identity)))?.generation ?? '');
        expect(seen.size).toBe(4);
      });

      it('a registration from another install takes the device over: its queue goes, nothing else', async () => {
        const identity = await registered({ deviceId: 1 });
        await store.registerDevice(registration(identity, { deviceId: 2 }));
        const other = await registered();
        await store.insertEnvelopes([
          newEnvelope(identity.accountId, { deviceId: 1 }),
          newEnvelope(identity.accountId, { deviceId: 1, source: { accountId: other.accountId, deviceId: 1 } }),
          newEnvelope(identity.accountId, { deviceId: 2 }),
        ]);
        const fromIt = await store.insertEnvelopes([
          newEnvelope(other.accountId, { source: { accountId: identity.accountId, deviceId: 1 } }),
        ]);
        const restored = newInstallationId();

        const takeover = await store.registerDevice(registration(identity, { deviceId: 1, installationId: restored }));

        expect(takeover).toEqual({ generation: expect.any(String), takenOver: true, droppedEnvelopes: 2 });
        expect(await store.fetchEnvelopes(identity.accountId, 1, 0, 10, NOW)).toEqual([]);
        // Its other device's queue, and what it sent to others (readable by them), stay.
        expect(await store.fetchEnvelopes(identity.accountId, 2, 0, 10, NOW)).toHaveLength(1);
        expect(ids(await store.fetchEnvelopes(other.accountId, 1, 0, 10, NOW))).toEqual(ids(fromIt));
        const device = (await store.getAccount(identity.accountId))?.devices[0];
        expect(device).toMatchObject({ deviceId: 1, installationId: restored, generation: takeover?.generation });

        // Envelopes sent after the takeover are the new install's.
        const after = await store.insertEnvelopes([newEnvelope(identity.accountId, { deviceId: 1 })]);
        expect(ids(await store.fetchEnvelopes(identity.accountId, 1, 0, 10, NOW))).toEqual(ids(after));
      });

      it('a registration from the same install keeps the queue (an onboarding retried)', async () => {
        const identity = await registered();
        const queued = await store.insertEnvelopes([newEnvelope(identity.accountId), newEnvelope(identity.accountId)]);
        const again = await store.registerDevice(registration(identity, { registrationId: 77 }));
        expect(again).toEqual({ generation: expect.any(String), takenOver: false, droppedEnvelopes: 0 });
        expect(ids(await store.fetchEnvelopes(identity.accountId, 1, 0, 10, NOW))).toEqual(ids(queued));
      });

      it('deleteAccount erases the account, its devices, keys, queued envelopes and challenges', async () => {
        const doomed = await registered({ preKeys: oneTimePreKeys(1, 4), kyberPreKeys: kyberPreKeys(1, 4) });
        const secondDevice = registration(doomed, { deviceId: 2, preKeys: oneTimePreKeys(10, 2) });
        await store.registerDevice(secondDevice);
        const keeper = await registered();

        const queued = [
          newEnvelope(doomed.accountId, { deviceId: 1, source: { accountId: keeper.accountId, deviceId: 1 } }),
          newEnvelope(doomed.accountId, { deviceId: 2 }),
        ];
        const sentByDoomed = newEnvelope(keeper.accountId, { source: { accountId: doomed.accountId, deviceId: 1 } });
        const sealedToKeeper = newEnvelope(keeper.accountId);
        const keepersOwn = newEnvelope(keeper.accountId, { source: { accountId: keeper.accountId, deviceId: 2 } });
        await store.insertEnvelopes([...queued, sentByDoomed, sealedToKeeper, keepersOwn]);
        const doomedChallenge = Buffer.from('doomed challenge bytes, 32 long!').toString('base64');
        const keeperChallenge = Buffer.from('keeper challenge bytes, 32 long!').toString('base64');
        await store.putChallenge({
          challenge: doomedChallenge,
          accountId: doomed.accountId,
          deviceId: 1,
          expiresAt: NOW + 60_000,
        });
        await store.putChallenge({
          challenge: keeperChallenge,
          accountId: keeper.accountId,
          deviceId: 1,
          expiresAt: NOW + 60_000,
        });

        expect(await store.deleteAccount(doomed.accountId)).toBe(true);

        expect(await store.getAccount(doomed.accountId)).toBeNull();
        for (const deviceId of [1, 2]) {
          expect(await store.countPreKeys(doomed.accountId, deviceId)).toEqual({ preKeys: 0, kyberPreKeys: 0 });
          expect(await store.claimBundle(doomed.accountId, deviceId)).toBeNull();
          expect(await store.fetchEnvelopes(doomed.accountId, deviceId, 0, 100, NOW)).toEqual([]);
        }
        expect(await store.consumeChallenge(doomedChallenge, doomed.accountId, 1, NOW)).toBe(false);
        // Its undelivered unsealed envelopes to others name it, so they are withdrawn; everything else stays.
        expect(ids(await store.fetchEnvelopes(keeper.accountId, 1, 0, 100, NOW))).toEqual([
          sealedToKeeper.id,
          keepersOwn.id,
        ]);
        expect(await store.countEnvelopes()).toBe(2);
        expect(await store.getAccount(keeper.accountId)).not.toBeNull();
        expect(await store.countPreKeys(keeper.accountId, 1)).toEqual({ preKeys: 5, kyberPreKeys: 5 });
        expect(await store.consumeChallenge(keeperChallenge, keeper.accountId, 1, NOW)).toBe(true);

        if (harness.findResidue !== undefined) {
          const keyBytes = [
            doomed.identityKeyBytes,
            ...secondDevice.preKeys.map((key) => Buffer.from(key.publicKey, 'base64')),
            Buffer.from(secondDevice.signedPreKey.publicKey, 'base64'),
            Buffer.from(secondDevice.lastResortKyberPreKey.publicKey, 'base64'),
            ...queued.map((envelope) => Buffer.from(envelope.content, 'base64')),
            Buffer.from(sentByDoomed.content, 'base64'),
            Buffer.from(doomedChallenge, 'base64'),
          ];
          const residue = await harness.findResidue({
            strings: [doomed.accountId, doomed.identityKey, ...ids(queued), sentByDoomed.id],
            bytes: keyBytes,
          });
          expect(residue).toEqual([]);
        }

        expect(await store.deleteAccount(doomed.accountId)).toBe(false);
      });

      it('deleteAccount also erases envelopes and challenges for an account id it never registered', async () => {
        const ghost = newIdentity();
        const challenge = Buffer.from('a challenge issued before registr').toString('base64');
        await store.putChallenge({ challenge, accountId: ghost.accountId, deviceId: 1, expiresAt: NOW + 60_000 });
        await store.insertEnvelopes([newEnvelope(ghost.accountId)]);
        expect(await store.deleteAccount(ghost.accountId)).toBe(false);
        expect(await store.countEnvelopes()).toBe(0);
        expect(await store.consumeChallenge(challenge, ghost.accountId, 1, NOW)).toBe(false);
      });
    });

    describe('prekeys', () => {
      it('storePreKeys adds one-time keys, keeps identical re-uploads, and replaces only the keys given', async () => {
        const original = registration(newIdentity(), {
          preKeys: oneTimePreKeys(1, 2),
          kyberPreKeys: kyberPreKeys(1, 1),
        });
        await store.registerDevice(original);
        const accountId = original.accountId;
        // Key id 1 again, with the same key: stored once.
        const again = original.preKeys.slice(0, 1);
        const added = oneTimePreKeys(3, 2);
        await store.storePreKeys(accountId, 1, {
          preKeys: [...again, ...added],
          kyberPreKeys: [...original.kyberPreKeys, kyberPreKey(2)],
        });
        expect(await store.countPreKeys(accountId, 1)).toEqual({ preKeys: 4, kyberPreKeys: 2 });

        // Neither signed nor last-resort key given: both kept. The original key 1 was kept too.
        let bundle = await store.claimBundle(accountId, 1);
        expect(bundle?.signedPreKey).toEqual(original.signedPreKey);
        expect(bundle?.preKey).toEqual(original.preKeys[0]);
        expect(bundle?.kyberPreKey).toEqual(original.kyberPreKeys[0]);

        const newSigned = signedPreKey(2);
        await store.storePreKeys(accountId, 1, { signedPreKey: newSigned, preKeys: [], kyberPreKeys: [] });
        bundle = await store.claimBundle(accountId, 1);
        expect(bundle?.signedPreKey).toEqual(newSigned);
        expect(bundle?.kyberPreKeyIsLastResort).toBe(false); // the added Kyber key 2
        bundle = await store.claimBundle(accountId, 1);
        expect(bundle?.kyberPreKey).toEqual(original.lastResortKyberPreKey);

        const newLastResort = kyberPreKey(901);
        await store.storePreKeys(accountId, 1, { lastResortKyberPreKey: newLastResort, preKeys: [], kyberPreKeys: [] });
        bundle = await store.claimBundle(accountId, 1);
        expect(bundle).toMatchObject({
          signedPreKey: newSigned,
          kyberPreKey: newLastResort,
          kyberPreKeyIsLastResort: true,
        });
      });

      it('refuses key bytes that are not canonical base64 (they could not be handed back unchanged)', async () => {
        const identity = newIdentity();
        for (const attempt of [
          registration({ ...identity, identityKey: 'not base64!' }),
          registration(identity, { preKeys: [{ keyId: 1, publicKey: `${oneTimePreKeys(1, 1)[0]?.publicKey}\n` }] }),
          registration(identity, { signedPreKey: { ...signedPreKey(1), signature: 'QQ' } }),
        ]) {
          const error = await rejectionOf(store.registerDevice(attempt));
          expect(RelayStoreError.is(error, RelayStoreErrorCode.InvalidInput)).toBe(true);
        }
        expect(await store.getAccount(identity.accountId)).toBeNull();

        await store.registerDevice(registration(identity));
        const error = await rejectionOf(
          store.storePreKeys(identity.accountId, 1, {
            preKeys: [...oneTimePreKeys(100, 1), { keyId: 101, publicKey: 'QQ' }],
            kyberPreKeys: [],
          }),
        );
        expect(RelayStoreError.is(error, RelayStoreErrorCode.InvalidInput)).toBe(true);
        expect(await store.countPreKeys(identity.accountId, 1)).toEqual({ preKeys: 5, kyberPreKeys: 5 });
        const challengeError = await rejectionOf(
          store.putChallenge({ challenge: 'QQ', accountId: identity.accountId, deviceId: 1, expiresAt: NOW + 1 }),
        );
        expect(RelayStoreError.is(challengeError, RelayStoreErrorCode.InvalidInput)).toBe(true);
      });

      it('storePreKeys for a device that does not exist is refused with UNKNOWN_DEVICE', async () => {
        const identity = await registered();
        const error = await rejectionOf(
          store.storePreKeys(identity.accountId, 2, { preKeys: oneTimePreKeys(1, 1), kyberPreKeys: [] }),
        );
        expect(RelayStoreError.is(error, RelayStoreErrorCode.UnknownDevice)).toBe(true);
        expect(await store.countPreKeys(identity.accountId, 2)).toEqual({ preKeys: 0, kyberPreKeys: 0 });
      });

      it('counts keys per device, and zero for devices it does not know', async () => {
        const identity = await registered({ preKeys: oneTimePreKeys(1, 3), kyberPreKeys: kyberPreKeys(1, 2) });
        await store.registerDevice(
          registration(identity, { deviceId: 2, preKeys: [], kyberPreKeys: kyberPreKeys(1, 7) }),
        );
        expect(await store.countPreKeys(identity.accountId, 1)).toEqual({ preKeys: 3, kyberPreKeys: 2 });
        expect(await store.countPreKeys(identity.accountId, 2)).toEqual({ preKeys: 0, kyberPreKeys: 7 });
        expect(await store.countPreKeys(identity.accountId, 9)).toEqual({ preKeys: 0, kyberPreKeys: 0 });
        expect(await store.countPreKeys(newIdentity().accountId, 1)).toEqual({ preKeys: 0, kyberPreKeys: 0 });
      });

      it('claims hand out the lowest key ids first and remove them', async () => {
        const preKeys = oneTimePreKeys(10, 3);
        const kyber = kyberPreKeys(20, 3);
        // Uploaded out of order: the order handed out is by key id.
        const identity = await registered({ preKeys: [...preKeys].reverse(), kyberPreKeys: [...kyber].reverse() });
        const account = await store.getAccount(identity.accountId);
        for (let index = 0; index < 3; index++) {
          const bundle = await store.claimBundle(identity.accountId, 1);
          expect(bundle).toEqual({
            accountId: identity.accountId,
            deviceId: 1,
            registrationId: account?.devices[0]?.registrationId,
            identityKey: identity.identityKey,
            signedPreKey: expect.objectContaining({ keyId: 1 }),
            preKey: preKeys[index],
            kyberPreKey: kyber[index],
            kyberPreKeyIsLastResort: false,
          });
          expect(await store.countPreKeys(identity.accountId, 1)).toEqual({
            preKeys: 2 - index,
            kyberPreKeys: 2 - index,
          });
        }
      });

      it('falls back to no EC prekey and to the last-resort Kyber key, which is never consumed', async () => {
        const lastResort = kyberPreKey(4242);
        const identity = await registered({
          preKeys: oneTimePreKeys(1, 1),
          kyberPreKeys: [],
          lastResortKyberPreKey: lastResort,
        });
        const first = await store.claimBundle(identity.accountId, 1);
        expect(first).toMatchObject({ preKey: { keyId: 1 }, kyberPreKey: lastResort, kyberPreKeyIsLastResort: true });
        for (let round = 0; round < 5; round++) {
          const bundle = await store.claimBundle(identity.accountId, 1);
          expect(bundle).toMatchObject({ preKey: null, kyberPreKey: lastResort, kyberPreKeyIsLastResort: true });
        }
        expect(await store.countPreKeys(identity.accountId, 1)).toEqual({ preKeys: 0, kyberPreKeys: 0 });
      });

      it('answers null when claiming from an account or device it does not know', async () => {
        const identity = await registered();
        expect(await store.claimBundle(identity.accountId, 2)).toBeNull();
        expect(await store.claimBundle(newIdentity().accountId, 1)).toBeNull();
        expect(await store.countPreKeys(identity.accountId, 1)).toEqual({ preKeys: 5, kyberPreKeys: 5 });
      });

      it('200 concurrent claims over 100 prekeys hand out each key once and fall back for the rest', async () => {
        const preKeys = oneTimePreKeys(1, 100);
        const kyber = kyberPreKeys(1, 100);
        const identity = await registered({ preKeys, kyberPreKeys: kyber });
        const bundles = await Promise.all(Array.from({ length: 200 }, () => store.claimBundle(identity.accountId, 1)));

        const ecIds = bundles.flatMap((bundle) => (bundle?.preKey ? [bundle.preKey.keyId] : []));
        const kyberIds = bundles.flatMap((bundle) =>
          bundle !== null && !bundle.kyberPreKeyIsLastResort ? [bundle.kyberPreKey.keyId] : [],
        );
        expect(ecIds).toHaveLength(100);
        expect(new Set(ecIds).size).toBe(100);
        expect(kyberIds).toHaveLength(100);
        expect(new Set(kyberIds).size).toBe(100);
        expect(bundles.filter((bundle) => bundle?.preKey === null)).toHaveLength(100);
        expect(bundles.filter((bundle) => bundle?.kyberPreKeyIsLastResort === true)).toHaveLength(100);
        expect(await store.countPreKeys(identity.accountId, 1)).toEqual({ preKeys: 0, kyberPreKeys: 0 });
      });
    });

    describe('envelopes', () => {
      it('fetches what was inserted, in insert order, every field as it went in', async () => {
        const recipient = newIdentity().accountId;
        const sender = newIdentity().accountId;
        const batch: NewEnvelope[] = [
          newEnvelope(recipient, { source: { accountId: sender, deviceId: 2 }, serverTimestamp: NOW + 1 }),
          newEnvelope(recipient, { serverTimestamp: NOW + 2 }),
          { ...newEnvelope(recipient, { source: { accountId: sender, deviceId: 1 } }), type: 'prekey' },
          newEnvelope(recipient, { deviceId: 2 }),
          newEnvelope(recipient, { contentBytes: 80 * 1024 }),
        ];
        const stored = await store.insertEnvelopes(batch);
        expect(stored.map(({ seq, ...rest }) => rest)).toStrictEqual(batch);

        const device1 = await store.fetchEnvelopes(recipient, 1, 0, 100, NOW);
        const expected = stored.filter((envelope) => envelope.deviceId === 1);
        expect(device1).toStrictEqual(expected);
        // Sealed envelopes have no source at all, not an undefined one.
        expect(Object.hasOwn(device1[1] ?? {}, 'source')).toBe(false);
        expect(await store.fetchEnvelopes(recipient, 2, 0, 100, NOW)).toStrictEqual(
          stored.filter((envelope) => envelope.deviceId === 2),
        );
        expect(await store.countEnvelopes()).toBe(5);
      });

      it('pages through a queue with the afterSeq cursor and the limit', async () => {
        const recipient = newIdentity().accountId;
        const stored = await store.insertEnvelopes(Array.from({ length: 10 }, () => newEnvelope(recipient)));
        const seen: StoredEnvelope[] = [];
        let cursor = 0;
        for (;;) {
          const page = await store.fetchEnvelopes(recipient, 1, cursor, 3, NOW);
          expect(page.length).toBeLessThanOrEqual(3);
          if (page.length === 0) break;
          seen.push(...page);
          cursor = page[page.length - 1]?.seq ?? cursor;
        }
        expect(ids(seen)).toEqual(ids(stored));
        expect(await store.fetchEnvelopes(recipient, 1, 0, 0, NOW)).toEqual([]);
        const third = stored[2];
        expect(ids(await store.fetchEnvelopes(recipient, 1, third?.seq ?? 0, 100, NOW))).toEqual(ids(stored.slice(3)));
        const last = stored[stored.length - 1];
        expect(await store.fetchEnvelopes(recipient, 1, last?.seq ?? 0, 100, NOW)).toEqual([]);
      });

      it('refuses a negative or fractional cursor', async () => {
        const recipient = newIdentity().accountId;
        for (const afterSeq of [-1, 1.5]) {
          const error = await rejectionOf(store.fetchEnvelopes(recipient, 1, afterSeq, 10, NOW));
          expect(RelayStoreError.is(error, RelayStoreErrorCode.InvalidInput)).toBe(true);
        }
      });

      it('gives each device strictly increasing seqs, across batches, deletes and account deletion', async () => {
        const identity = await registered();
        const recipient = identity.accountId;
        const seqs: number[] = [];
        const first = await store.insertEnvelopes([newEnvelope(recipient), newEnvelope(recipient, { deviceId: 2 })]);
        seqs.push(...first.filter((e) => e.deviceId === 1).map((e) => e.seq));
        const second = await store.insertEnvelopes([newEnvelope(recipient), newEnvelope(recipient)]);
        seqs.push(...second.map((e) => e.seq));
        // Delete everything queued, the highest seq included: the next seq must still be higher.
        expect(await store.deleteEnvelopes(recipient, 1, ids([...first, ...second]))).toBe(3);
        const third = await store.insertEnvelopes([newEnvelope(recipient)]);
        seqs.push(...third.map((e) => e.seq));
        await store.deleteAccount(recipient);
        await store.registerDevice(registration(identity));
        const fourth = await store.insertEnvelopes([newEnvelope(recipient)]);
        seqs.push(...fourth.map((e) => e.seq));
        expect(seqs).toHaveLength(5);
        expectStrictlyIncreasing(seqs);
        expect(await store.fetchEnvelopes(recipient, 1, 0, 10, NOW)).toStrictEqual(fourth);
      });

      it('deletes only the recipient device’s own envelopes', async () => {
        const owner = newIdentity().accountId;
        const other = newIdentity().accountId;
        const mine = await store.insertEnvelopes([newEnvelope(owner), newEnvelope(owner)]);
        const myOtherDevice = await store.insertEnvelopes([newEnvelope(owner, { deviceId: 2 })]);
        const mineIds = ids(mine);

        expect(await store.deleteEnvelopes(owner, 2, mineIds)).toBe(0);
        expect(await store.deleteEnvelopes(other, 1, mineIds)).toBe(0);
        expect(await store.countEnvelopes()).toBe(3);

        expect(await store.deleteEnvelopes(owner, 1, [...mineIds, ...ids(myOtherDevice), 'no-such-envelope'])).toBe(2);
        expect(await store.deleteEnvelopes(owner, 1, mineIds)).toBe(0);
        expect(await store.deleteEnvelopes(owner, 1, [])).toBe(0);
        expect(await store.fetchEnvelopes(owner, 1, 0, 10, NOW)).toEqual([]);
        expect(await store.fetchEnvelopes(owner, 2, 0, 10, NOW)).toStrictEqual(myOtherDevice);
      });

      it('deletes many acknowledgements in one call, each only from its own queue, counting per request', async () => {
        const owner = newIdentity().accountId;
        const other = newIdentity().accountId;
        const mine = await store.insertEnvelopes([newEnvelope(owner), newEnvelope(owner), newEnvelope(owner)]);
        const myOtherDevice = await store.insertEnvelopes([newEnvelope(owner, { deviceId: 2 })]);
        const theirs = await store.insertEnvelopes([newEnvelope(other), newEnvelope(other)]);
        const [firstOfMine, ...restOfMine] = ids(mine);

        const counts = await store.deleteEnvelopesBatch([
          // Someone else's ids match nothing, whoever names them.
          { recipient: other, deviceId: 1, ids: ids(mine) },
          { recipient: owner, deviceId: 2, ids: ids(mine) },
          { recipient: owner, deviceId: 1, ids: [firstOfMine ?? '', ...ids(theirs), 'no-such-envelope'] },
          { recipient: owner, deviceId: 1, ids: [] },
          // Applied in order: an id already deleted by an earlier request of the batch counts there only.
          { recipient: owner, deviceId: 1, ids: ids(mine) },
          { recipient: other, deviceId: 1, ids: ids(theirs).slice(0, 1) },
        ]);
        expect(counts).toEqual([0, 0, 1, 0, restOfMine.length, 1]);
        expect(await store.fetchEnvelopes(owner, 1, 0, 10, NOW)).toEqual([]);
        expect(await store.fetchEnvelopes(owner, 2, 0, 10, NOW)).toStrictEqual(myOtherDevice);
        expect(await store.fetchEnvelopes(other, 1, 0, 10, NOW)).toStrictEqual(theirs.slice(1));
        expect(await store.countEnvelopes()).toBe(2);

        expect(await store.deleteEnvelopesBatch([])).toEqual([]);
        expect(await store.deleteEnvelopesBatch([{ recipient: owner, deviceId: 1, ids: ids(mine) }])).toEqual([0]);
      });

      it('deletes as many acknowledgements in one batch as the relay gathers in one turn', async () => {
        const recipients = Array.from({ length: 50 }, () => newIdentity().accountId);
        const queued = await store.insertEnvelopes(
          recipients.flatMap((recipient) => Array.from({ length: 20 }, () => newEnvelope(recipient))),
        );
        const deletions = recipients.map((recipient) => ({
          recipient,
          deviceId: 1,
          ids: ids(queued.filter((envelope) => envelope.recipient === recipient)),
        }));
        expect(await store.deleteEnvelopesBatch(deletions)).toEqual(recipients.map(() => 20));
        expect(await store.countEnvelopes()).toBe(0);
      });

      it('refuses a batched delete once closed', async () => {
        await store.close();
        const error = await rejectionOf(store.deleteEnvelopesBatch([]));
        expect(RelayStoreError.is(error, RelayStoreErrorCode.StoreClosed)).toBe(true);
      });

      it('skips expired envelopes when fetching and sweeps exactly those', async () => {
        const recipient = newIdentity().accountId;
        const stored = await store.insertEnvelopes([
          newEnvelope(recipient, { expiresAt: NOW - 1 }),
          newEnvelope(recipient, { expiresAt: NOW }),
          newEnvelope(recipient, { expiresAt: NOW + 1 }),
        ]);
        const live = stored.slice(2);
        // expiresAt <= now is expired.
        expect(await store.fetchEnvelopes(recipient, 1, 0, 10, NOW)).toStrictEqual(live);
        expect(await store.fetchEnvelopes(recipient, 1, 0, 10, NOW - 1)).toStrictEqual(stored.slice(1));
        expect(await store.deleteExpiredEnvelopes(NOW)).toBe(2);
        expect(await store.countEnvelopes()).toBe(1);
        expect(await store.deleteExpiredEnvelopes(NOW)).toBe(0);
        expect(await store.fetchEnvelopes(recipient, 1, 0, 10, NOW - 10)).toStrictEqual(live);
      });

      it('sweeps more expired envelopes than one chunk', async () => {
        const recipient = newIdentity().accountId;
        const batch = Array.from({ length: 2500 }, (_, index) =>
          newEnvelope(recipient, { contentBytes: 16, expiresAt: index % 5 === 0 ? NOW + 1 : NOW }),
        );
        await store.insertEnvelopes(batch);
        expect(await store.deleteExpiredEnvelopes(NOW)).toBe(2000);
        expect(await store.countEnvelopes()).toBe(500);
      });

      it('commits nothing of a batch in which one envelope is refused', async () => {
        const recipient = newIdentity().accountId;
        const [kept] = await store.insertEnvelopes([newEnvelope(recipient)]);

        const repeated = newEnvelope(recipient);
        const withRepeat = [newEnvelope(recipient), repeated, newEnvelope(recipient), { ...repeated, deviceId: 2 }];
        const repeatError = await rejectionOf(store.insertEnvelopes(withRepeat));
        expect(RelayStoreError.is(repeatError, RelayStoreErrorCode.DuplicateEnvelope)).toBe(true);
        expect(RelayStoreError.is(repeatError) && repeatError.details).toEqual({
          envelopeId: repeated.id,
          batchIndex: 3,
        });

        const clashing = [newEnvelope(recipient), { ...newEnvelope(recipient), id: kept?.id ?? '' }];
        const clashError = await rejectionOf(store.insertEnvelopes(clashing));
        expect(RelayStoreError.is(clashError) && clashError.details).toEqual({ envelopeId: kept?.id, batchIndex: 1 });

        expect(await store.countEnvelopes()).toBe(1);
        expect(await store.fetchEnvelopes(recipient, 1, 0, 100, NOW)).toStrictEqual([kept]);
        expect(await store.fetchEnvelopes(recipient, 2, 0, 100, NOW)).toEqual([]);
        // The refused ids were not taken: they can be sent again.
        const retried = await store.insertEnvelopes(withRepeat.slice(0, 3));
        expect(ids(retried)).toEqual(ids(withRepeat.slice(0, 3)));
        expect(retried[0]?.seq).toBeGreaterThan(kept?.seq ?? Number.POSITIVE_INFINITY);
      });

      it('accepts an empty batch', async () => {
        expect(await store.insertEnvelopes([])).toEqual([]);
        expect(await store.countEnvelopes()).toBe(0);
      });

      it('queues for recipients it does not know (the server checks recipients before a send)', async () => {
        const unknown = newIdentity().accountId;
        const [stored] = await store.insertEnvelopes([newEnvelope(unknown, { deviceId: 9 })]);
        expect(await store.fetchEnvelopes(unknown, 9, 0, 10, NOW)).toStrictEqual([stored]);
      });

      it('concurrent batches each commit whole, with distinct seqs', async () => {
        const recipient = newIdentity().accountId;
        const batches = Array.from({ length: 20 }, () => Array.from({ length: 5 }, () => newEnvelope(recipient)));
        const results = await Promise.all(batches.map((batch) => store.insertEnvelopes(batch)));
        for (const result of results) expectStrictlyIncreasing(result.map((envelope) => envelope.seq));
        const all = await store.fetchEnvelopes(recipient, 1, 0, 1000, NOW);
        expect(all).toHaveLength(100);
        expect(new Set(all.map((envelope) => envelope.seq)).size).toBe(100);
        expect(all).toStrictEqual([...results.flat()].sort((a, b) => a.seq - b.seq));
      });
    });

    describe('challenges', () => {
      const challenge = Buffer.alloc(32, 7).toString('base64');
      let identity: TestIdentity;

      beforeEach(() => {
        identity = newIdentity();
      });

      async function put(expiresAt = NOW + 60_000): Promise<void> {
        await store.putChallenge({ challenge, accountId: identity.accountId, deviceId: 1, expiresAt });
      }

      it('can be consumed once', async () => {
        await put();
        expect(await store.consumeChallenge(challenge, identity.accountId, 1, NOW)).toBe(true);
        expect(await store.consumeChallenge(challenge, identity.accountId, 1, NOW)).toBe(false);
      });

      it('is bound to its account and device, and a wrong presentation burns it', async () => {
        await put();
        expect(await store.consumeChallenge(challenge, identity.accountId, 2, NOW)).toBe(false);
        expect(await store.consumeChallenge(challenge, identity.accountId, 1, NOW)).toBe(false);
        await put();
        expect(await store.consumeChallenge(challenge, newIdentity().accountId, 1, NOW)).toBe(false);
        expect(await store.consumeChallenge(challenge, identity.accountId, 1, NOW)).toBe(false);
      });

      it('is refused once expired, and the sweep removes exactly the expired ones', async () => {
        await put(NOW);
        expect(await store.consumeChallenge(challenge, identity.accountId, 1, NOW)).toBe(false);
        const live = Buffer.alloc(32, 8).toString('base64');
        const stale = Buffer.alloc(32, 9).toString('base64');
        await store.putChallenge({ challenge: live, accountId: identity.accountId, deviceId: 1, expiresAt: NOW + 1 });
        await store.putChallenge({ challenge: stale, accountId: identity.accountId, deviceId: 1, expiresAt: NOW });
        expect(await store.deleteExpiredChallenges(NOW)).toBe(1);
        expect(await store.deleteExpiredChallenges(NOW)).toBe(0);
        expect(await store.consumeChallenge(live, identity.accountId, 1, NOW)).toBe(true);
      });

      it('answers false for a challenge it never issued', async () => {
        expect(await store.consumeChallenge(challenge, identity.accountId, 1, NOW)).toBe(false);
        expect(await store.consumeChallenge('not base64!', identity.accountId, 1, NOW)).toBe(false);
      });

      it('lets exactly one of many concurrent presentations succeed', async () => {
        await put();
        const answers = await Promise.all(
          Array.from({ length: 20 }, () => store.consumeChallenge(challenge, identity.accountId, 1, NOW)),
        );
        expect(answers.filter(Boolean)).toHaveLength(1);
      });
    });
  });
}
