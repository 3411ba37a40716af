/**
 * The RelayStore contract for access keys, run against every store (like
 * relay-store-contract.ts): setAccessKeys stores both hashes for an existing
 * account and replaces both, getAccount hands them back (null before), an
 * unknown account stores nothing, non-canonical base64 is refused, deleting
 * the account deletes them; and sends without a sender account (POST
 * /v1/messages) commit under the queue caps and charge no account's quota.
 */
import { createHash, randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { accessKeyHashes, matchAccessKey } from '../../src/auth/access-keys.js';
import type { AccessKeyHashes, RelayStore, SendLimits } from '../../src/storage/relay-store.js';
import { RelayStoreError, RelayStoreErrorCode } from '../../src/storage/relay-store-errors.js';
import { type RelayStoreHarness, rejectionOf, useFreshStore } from './relay-store-contract.js';
import { NOW, newEnvelope, newIdentity, registration, type TestIdentity } from './store-fixtures.js';

function newKey(): string {
  return randomBytes(16).toString('base64');
}

function sha256(key: string): string {
  return createHash('sha256').update(Buffer.from(key, 'base64')).digest('base64');
}

export function describeRelayStoreAccessKeysContract(
  name: string,
  createHarness: () => Promise<RelayStoreHarness>,
): void {
  describe(`${name}: RelayStore access keys contract`, () => {
    const fresh = useFreshStore(createHarness);
    let store: RelayStore;
    beforeEach(() => {
      store = fresh.harness.store;
    });

    async function registered(): Promise<TestIdentity> {
      const identity = newIdentity();
      await store.registerDevice(registration(identity));
      return identity;
    }

    it('has no access keys until the account registers them, then hands back their hashes', async () => {
      const alice = await registered();
      expect((await store.getAccount(alice.accountId))?.accessKeys).toBeNull();
      const codeKey = newKey();
      const contactKey = newKey();
      const hashes = accessKeyHashes(codeKey, contactKey);
      expect(hashes).toEqual({ codeKeyHash: sha256(codeKey), contactKeyHash: sha256(contactKey) });
      expect(await store.setAccessKeys(alice.accountId, hashes)).toBe(true);
      const stored = (await store.getAccount(alice.accountId))?.accessKeys;
      expect(stored).toEqual(hashes);
      // What the relay verifies against: each key matches as its own kind, nothing else matches.
      if (!stored) throw new Error('no access keys stored');
      expect(matchAccessKey(stored, codeKey)).toBe('code');
      expect(matchAccessKey(stored, contactKey)).toBe('contact');
      expect(matchAccessKey(stored, newKey())).toBeNull();
      // A re-registered device keeps the account's keys.
      await store.registerDevice(registration(alice));
      expect((await store.getAccount(alice.accountId))?.accessKeys).toEqual(hashes);
    });

    it('replaces both keys, and only those of the account named', async () => {
      const alice = await registered();
      const bob = await registered();
      const bobs = accessKeyHashes(newKey(), newKey());
      await store.setAccessKeys(bob.accountId, bobs);
      const first = accessKeyHashes(newKey(), newKey());
      const second = accessKeyHashes(newKey(), newKey());
      await store.setAccessKeys(alice.accountId, first);
      expect(await store.setAccessKeys(alice.accountId, second)).toBe(true);
      expect((await store.getAccount(alice.accountId))?.accessKeys).toEqual(second);
      expect((await store.getAccount(bob.accountId))?.accessKeys).toEqual(bobs);
    });

    it('stores nothing for an account it does not know', async () => {
      const stranger = newIdentity();
      expect(await store.setAccessKeys(stranger.accountId, accessKeyHashes(newKey(), newKey()))).toBe(false);
      await store.registerDevice(registration(stranger));
      expect((await store.getAccount(stranger.accountId))?.accessKeys).toBeNull();
    });

    it('refuses hashes that are not canonical base64, changing nothing', async () => {
      const alice = await registered();
      const good = accessKeyHashes(newKey(), newKey());
      await store.setAccessKeys(alice.accountId, good);
      const bad: AccessKeyHashes = { codeKeyHash: 'not base64!', contactKeyHash: good.contactKeyHash };
      const error = await rejectionOf(store.setAccessKeys(alice.accountId, bad));
      expect(RelayStoreError.is(error, RelayStoreErrorCode.InvalidInput)).toBe(true);
      expect((await store.getAccount(alice.accountId))?.accessKeys).toEqual(good);
    });

    it('deletes the keys with the account: an account registered again under the id has none', async () => {
      const alice = await registered();
      const hashes = accessKeyHashes(newKey(), newKey());
      await store.setAccessKeys(alice.accountId, hashes);
      expect(await store.deleteAccount(alice.accountId)).toBe(true);
      expect(await store.getAccount(alice.accountId)).toBeNull();
      const { findResidue } = fresh.harness;
      if (findResidue !== undefined) {
        const residue = await findResidue({
          strings: [],
          bytes: [Buffer.from(hashes.codeKeyHash, 'base64'), Buffer.from(hashes.contactKeyHash, 'base64')],
        });
        expect(residue).toEqual([]);
      }
      await store.registerDevice(registration(alice));
      expect((await store.getAccount(alice.accountId))?.accessKeys).toBeNull();
    });

    it('commits a send without a sender account under the queue caps, charging no account', async () => {
      const recipient = await registered();
      const sender = await registered();
      const tight: SendLimits = { maxQueueEnvelopes: 2, maxQueueBytes: 1_000_000, dailySendBytes: 10, now: NOW };
      const big = () => newEnvelope(recipient.accountId, { contentBytes: 100 });
      // 100 bytes each, over the 10-byte daily quota: only a send charged to no account gets through.
      const [anonymous, charged] = await store.commitSends(
        [
          { sender: null, envelopes: [big()] },
          { sender: sender.accountId, envelopes: [big()] },
        ],
        tight,
      );
      expect(anonymous?.ok).toBe(true);
      expect(charged).toMatchObject({ ok: false, refusal: { reason: 'quota-exceeded' } });
      const [second, third] = await store.commitSends(
        [
          { sender: null, envelopes: [big()] },
          { sender: null, envelopes: [big()] },
        ],
        tight,
      );
      expect(second?.ok).toBe(true);
      expect(third).toMatchObject({
        ok: false,
        refusal: { reason: 'queue-full', recipient: recipient.accountId, fullDevices: [1] },
      });
      expect(await store.fetchEnvelopes(recipient.accountId, 1, 0, 10, NOW)).toHaveLength(2);
    });
  });
}
