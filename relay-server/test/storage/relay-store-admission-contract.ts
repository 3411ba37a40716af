/**
 * The RelayStore limits contract, second part (with relay-store-limits-contract.ts,
 * run against every store): one-time prekey caps and id conflicts, and who may
 * create an account (open, closed, one-time invites).
 */
import { createHash, randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RegistrationRules, RelayStore } from '../../src/storage/relay-store.js';
import { RelayStoreError, RelayStoreErrorCode } from '../../src/storage/relay-store-errors.js';
import { type RelayStoreHarness, rejectionOf, useFreshStore } from './relay-store-contract.js';
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

const UNLIMITED_KEYS = { maxPreKeys: 1000, maxKyberPreKeys: 1000 };

function hashOf(code: string): string {
  return createHash('sha256').update(code).digest('base64');
}

function inviteRules(code: string | null): RegistrationRules {
  return {
    admission: { policy: 'invite', inviteCodeHash: code === null ? null : hashOf(code) },
    preKeyLimits: UNLIMITED_KEYS,
  };
}

export function describeRelayStoreAdmissionContract(
  name: string,
  createHarness: () => Promise<RelayStoreHarness>,
): void {
  describe(`${name}: RelayStore limits contract (prekeys, accounts)`, () => {
    const fresh = useFreshStore(createHarness);
    let store: RelayStore;
    beforeEach(() => {
      store = fresh.harness.store;
    });

    describe('one-time prekeys', () => {
      async function registered(): Promise<TestIdentity> {
        const identity = newIdentity();
        await store.registerDevice(
          registration(identity, { preKeys: oneTimePreKeys(1, 2), kyberPreKeys: kyberPreKeys(1, 2) }),
        );
        return identity;
      }

      it('refuses another key under a stored id, storing nothing of the upload', async () => {
        const identity = await registered();
        const newSigned = signedPreKey(9);
        for (const upload of [
          { preKeys: [...oneTimePreKeys(10, 2), ...oneTimePreKeys(2, 1)], kyberPreKeys: [] },
          { preKeys: oneTimePreKeys(10, 2), kyberPreKeys: [kyberPreKey(3), kyberPreKey(1)] },
        ]) {
          const error = await rejectionOf(
            store.storePreKeys(identity.accountId, 1, { ...upload, signedPreKey: newSigned }),
          );
          expect(RelayStoreError.is(error, RelayStoreErrorCode.PreKeyIdConflict)).toBe(true);
          expect((error as RelayStoreError).details.keyId).toBeGreaterThan(0);
        }
        expect(await store.countPreKeys(identity.accountId, 1)).toEqual({ preKeys: 2, kyberPreKeys: 2 });
        expect((await store.claimBundle(identity.accountId, 1))?.signedPreKey).not.toEqual(newSigned);
      });

      it('refuses an id given twice with different keys, and counts the same key given twice once', async () => {
        const identity = await registered();
        const [key] = oneTimePreKeys(20, 1);
        if (key === undefined) throw new Error('no key');
        const clash = { keyId: 20, publicKey: oneTimePreKeys(20, 1)[0]?.publicKey ?? '' };
        const error = await rejectionOf(
          store.storePreKeys(identity.accountId, 1, { preKeys: [key, clash], kyberPreKeys: [] }),
        );
        expect(RelayStoreError.is(error, RelayStoreErrorCode.PreKeyIdConflict)).toBe(true);
        await store.storePreKeys(identity.accountId, 1, { preKeys: [key, key], kyberPreKeys: [] });
        expect(await store.countPreKeys(identity.accountId, 1)).toEqual({ preKeys: 3, kyberPreKeys: 2 });
        const registerError = await rejectionOf(
          store.registerDevice(registration(newIdentity(), { preKeys: [key, clash] })),
        );
        expect(RelayStoreError.is(registerError, RelayStoreErrorCode.PreKeyIdConflict)).toBe(true);
      });

      it('keeps at most the limit of each kind, refusing an upload that would pass it whole', async () => {
        const identity = await registered();
        const limits = { maxPreKeys: 5, maxKyberPreKeys: 4 };
        await store.storePreKeys(identity.accountId, 1, { preKeys: oneTimePreKeys(3, 3), kyberPreKeys: [] }, limits);
        const overEc = await rejectionOf(
          store.storePreKeys(identity.accountId, 1, { preKeys: oneTimePreKeys(6, 1), kyberPreKeys: [] }, limits),
        );
        expect(RelayStoreError.is(overEc, RelayStoreErrorCode.TooManyPreKeys)).toBe(true);
        expect((overEc as RelayStoreError).details).toMatchObject({ keyKind: 'preKeys', limit: 5 });
        const overKyber = await rejectionOf(
          store.storePreKeys(identity.accountId, 1, { preKeys: [], kyberPreKeys: kyberPreKeys(3, 3) }, limits),
        );
        expect((overKyber as RelayStoreError).details).toMatchObject({ keyKind: 'kyberPreKeys', limit: 4 });
        expect(await store.countPreKeys(identity.accountId, 1)).toEqual({ preKeys: 5, kyberPreKeys: 2 });
        // A bundle claim makes room again.
        await store.claimBundle(identity.accountId, 1);
        await store.storePreKeys(
          identity.accountId,
          1,
          { preKeys: oneTimePreKeys(6, 1), kyberPreKeys: kyberPreKeys(3, 3) },
          limits,
        );
        expect(await store.countPreKeys(identity.accountId, 1)).toEqual({ preKeys: 5, kyberPreKeys: 4 });
      });

      it('applies the limit to a registration', async () => {
        const identity = newIdentity();
        const rules: RegistrationRules = {
          admission: { policy: 'open' },
          preKeyLimits: { maxPreKeys: 3, maxKyberPreKeys: 3 },
        };
        const error = await rejectionOf(
          store.registerDevice(registration(identity, { preKeys: oneTimePreKeys(1, 4) }), rules),
        );
        expect(RelayStoreError.is(error, RelayStoreErrorCode.TooManyPreKeys)).toBe(true);
        expect(await store.getAccount(identity.accountId)).toBeNull();
        expect(
          await store.registerDevice(
            registration(identity, { preKeys: oneTimePreKeys(1, 3), kyberPreKeys: kyberPreKeys(1, 3) }),
            rules,
          ),
        ).toMatchObject({ takenOver: false });
      });

      it('a takeover refused for its prekeys drops nothing: the old install keeps its queue', async () => {
        const identity = newIdentity();
        await store.registerDevice(registration(identity));
        const queuedBefore = await store.insertEnvelopes([newEnvelope(identity.accountId)]);
        const rules: RegistrationRules = {
          admission: { policy: 'open' },
          preKeyLimits: { maxPreKeys: 3, maxKyberPreKeys: 3 },
        };
        const restore = registration(identity, { installationId: newInstallationId(), preKeys: oneTimePreKeys(1, 4) });
        const error = await rejectionOf(store.registerDevice(restore, rules));
        expect(RelayStoreError.is(error, RelayStoreErrorCode.TooManyPreKeys)).toBe(true);
        const kept = await store.fetchEnvelopes(identity.accountId, 1, 0, 10, NOW);
        expect(kept.map((envelope) => envelope.id)).toEqual(queuedBefore.map((envelope) => envelope.id));
        expect((await store.getAccount(identity.accountId))?.devices[0]?.installationId).toBe(DEFAULT_INSTALLATION_ID);
      });
    });

    describe('who may create an account', () => {
      const closed: RegistrationRules = { admission: { policy: 'closed' }, preKeyLimits: UNLIMITED_KEYS };

      async function code(expiresAt = NOW + DAY_MS): Promise<string> {
        const text = randomBytes(12).toString('hex');
        await store.createInvites([{ codeHash: hashOf(text), createdAt: NOW, expiresAt }]);
        return text;
      }

      function refusalCode(error: unknown): string | undefined {
        return RelayStoreError.is(error) ? error.code : undefined;
      }

      it('closed: refuses new accounts, but re-registers and adds devices of existing ones', async () => {
        const existing = newIdentity();
        await store.registerDevice(registration(existing));
        const newcomer = newIdentity();
        expect(refusalCode(await rejectionOf(store.registerDevice(registration(newcomer), closed)))).toBe(
          'REGISTRATION_CLOSED',
        );
        expect(await store.getAccount(newcomer.accountId)).toBeNull();
        expect(await store.registerDevice(registration(existing, { registrationId: 7 }), closed)).toMatchObject({
          takenOver: false,
        });
        expect(await store.registerDevice(registration(existing, { deviceId: 2 }), closed)).toMatchObject({
          takenOver: false,
        });
        expect((await store.getAccount(existing.accountId))?.devices.map((d) => d.deviceId)).toEqual([1, 2]);
      });

      it('invite or closed: a restore on a fresh install takes an existing device over with no code', async () => {
        const identity = newIdentity();
        const invite = await code();
        expect(await store.registerDevice(registration(identity), inviteRules(invite))).toMatchObject({
          takenOver: false,
        });
        await store.insertEnvelopes([newEnvelope(identity.accountId)]);
        const restored = newInstallationId();
        expect(
          await store.registerDevice(registration(identity, { installationId: restored }), inviteRules(null)),
        ).toMatchObject({ takenOver: true, droppedEnvelopes: 1 });
        expect(
          await store.registerDevice(registration(identity, { installationId: newInstallationId() }), closed),
        ).toMatchObject({ takenOver: true, droppedEnvelopes: 0 });
      });

      it('invite: needs a code for a new account, and each code admits one account once', async () => {
        const first = newIdentity();
        expect(refusalCode(await rejectionOf(store.registerDevice(registration(first), inviteRules(null))))).toBe(
          'INVITE_REQUIRED',
        );
        expect(refusalCode(await rejectionOf(store.registerDevice(registration(first), inviteRules('made-up'))))).toBe(
          'INVITE_INVALID',
        );
        const invite = await code();
        expect(await store.registerDevice(registration(first), inviteRules(invite))).toMatchObject({
          takenOver: false,
        });
        const second = newIdentity();
        expect(refusalCode(await rejectionOf(store.registerDevice(registration(second), inviteRules(invite))))).toBe(
          'INVITE_INVALID',
        );
        expect(await store.getAccount(second.accountId)).toBeNull();
        // The first account's devices need no code, ever.
        expect(await store.registerDevice(registration(first, { registrationId: 9 }), inviteRules(null))).toMatchObject(
          { takenOver: false },
        );
        expect(await store.registerDevice(registration(first, { deviceId: 3 }), inviteRules(null))).toMatchObject({
          takenOver: false,
        });
      });

      it('invite: an expired code admits no one, and expired codes are swept', async () => {
        const invite = await code(NOW + 1000);
        const late = registration(newIdentity(), { now: NOW + 1000 });
        expect(refusalCode(await rejectionOf(store.registerDevice(late, inviteRules(invite))))).toBe('INVITE_INVALID');
        const fresh = await code(NOW + 5000);
        expect(await store.deleteExpiredInvites(NOW + 1000)).toBe(1);
        expect(
          await store.registerDevice(registration(newIdentity(), { now: NOW + 1000 }), inviteRules(fresh)),
        ).toMatchObject({ takenOver: false });
      });

      it('invite: a registration refused for another reason leaves its code unused', async () => {
        const invite = await code();
        const tooMany: RegistrationRules = {
          ...inviteRules(invite),
          preKeyLimits: { maxPreKeys: 1, maxKyberPreKeys: 10 },
        };
        const identity = newIdentity();
        expect(refusalCode(await rejectionOf(store.registerDevice(registration(identity), tooMany)))).toBe(
          'TOO_MANY_PREKEYS',
        );
        expect(await store.registerDevice(registration(identity), inviteRules(invite))).toMatchObject({
          takenOver: false,
        });
      });

      it('stores codes only once: a hash already stored fails the whole call', async () => {
        const invite = await code();
        const other = randomBytes(8).toString('hex');
        const error = await rejectionOf(
          store.createInvites([
            { codeHash: hashOf(other), createdAt: NOW, expiresAt: NOW + DAY_MS },
            { codeHash: hashOf(invite), createdAt: NOW, expiresAt: NOW + DAY_MS },
          ]),
        );
        expect(RelayStoreError.is(error, RelayStoreErrorCode.InvalidInput)).toBe(true);
        expect(
          refusalCode(await rejectionOf(store.registerDevice(registration(newIdentity()), inviteRules(other)))),
        ).toBe('INVITE_INVALID');
      });
    });
  });
}
