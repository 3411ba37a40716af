/**
 * Accounts, devices and login challenges
 * (part of the RelayStore contract in relay-store-contract.ts, run against every store).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { RelayStore } from '../../src/storage/relay-store.js';
import { type ContractContext, ids, type RelayStoreHarness } from './relay-store-contract.js';
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

export function describeAccountContract(context: ContractContext): void {
  let store: RelayStore;
  let harness: RelayStoreHarness;
  beforeEach(() => {
    store = context.store;
    harness = context.harness;
  });
  const registered = (options?: Parameters<typeof registration>[1]) => context.registered(options);

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
}
