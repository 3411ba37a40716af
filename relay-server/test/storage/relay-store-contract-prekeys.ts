/**
 * Prekeys: uploads, bundles, one-time keys handed out once
 * (part of the RelayStore contract in relay-store-contract.ts, run against every store).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { RelayStore } from '../../src/storage/relay-store.js';
import { RelayStoreError, RelayStoreErrorCode } from '../../src/storage/relay-store-errors.js';
import { type ContractContext, rejectionOf } from './relay-store-contract.js';
import {
  kyberPreKey,
  kyberPreKeys,
  NOW,
  newIdentity,
  oneTimePreKeys,
  registration,
  signedPreKey,
} from './store-fixtures.js';

export function describePreKeyContract(context: ContractContext): void {
  let store: RelayStore;
  beforeEach(() => {
    store = context.store;
  });
  const registered = (options?: Parameters<typeof registration>[1]) => context.registered(options);

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
}
