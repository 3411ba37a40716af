/**
 * Envelopes: queues, seq order, deletion, duplicates
 * (part of the RelayStore contract in relay-store-contract.ts, run against every store).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { NewEnvelope, RelayStore, StoredEnvelope } from '../../src/storage/relay-store.js';
import { RelayStoreError, RelayStoreErrorCode } from '../../src/storage/relay-store-errors.js';
import { type ContractContext, expectStrictlyIncreasing, ids, rejectionOf } from './relay-store-contract.js';
import { NOW, newEnvelope, newIdentity, registration } from './store-fixtures.js';

export function describeEnvelopeContract(context: ContractContext): void {
  let store: RelayStore;
  beforeEach(() => {
    store = context.store;
  });
  const registered = (options?: Parameters<typeof registration>[1]) => context.registered(options);

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
}
