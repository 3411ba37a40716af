import type { AccountId } from '@parley/crypto-core/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewEnvelope, NewSend, RelayStore, SendLimits, SendOutcome } from '../../src/storage/relay-store.js';
import { RelayStoreError, RelayStoreErrorCode } from '../../src/storage/relay-store-errors.js';
import { describeRelayStoreAdmissionContract } from './relay-store-admission-contract.js';
import { type RelayStoreHarness, rejectionOf } from './relay-store-contract.js';
import { DAY_MS, NOW, newEnvelope, newIdentity, newInstallationId, registration } from './store-fixtures.js';

const ROOMY: SendLimits = { maxQueueEnvelopes: 1000, maxQueueBytes: 10_000_000, dailySendBytes: 10_000_000, now: NOW };

function stored(outcome: SendOutcome | undefined): string[] {
  if (outcome === undefined || !outcome.ok) throw new Error(`expected a stored send, got ${JSON.stringify(outcome)}`);
  return outcome.stored.map((envelope) => envelope.id);
}

export function describeRelayStoreLimitsContract(name: string, createHarness: () => Promise<RelayStoreHarness>): void {
  describe(`${name}: RelayStore limits contract`, () => {
    let harness: RelayStoreHarness;
    let store: RelayStore;

    beforeEach(async () => {
      harness = await createHarness();
      store = harness.store;
      await store.init();
    });

    afterEach(async () => {
      await store.close();
      await harness.dispose();
    });

    /** A send of one envelope per device from `sender` (unsealed) to `recipient`. */
    function send(
      sender: AccountId,
      recipient: AccountId,
      options: { devices?: number[]; contentBytes?: number } = {},
    ): NewSend {
      const envelopes: NewEnvelope[] = (options.devices ?? [1]).map((deviceId) =>
        newEnvelope(recipient, {
          deviceId,
          source: { accountId: sender, deviceId: 1 },
          contentBytes: options.contentBytes ?? 100,
        }),
      );
      return { sender, envelopes };
    }

    async function queued(recipient: AccountId, deviceId = 1): Promise<number> {
      return (await store.fetchEnvelopes(recipient, deviceId, 0, 10_000, NOW)).length;
    }

    describe('queues', () => {
      it('stores what fits and refuses, whole, a send that would pass a queue cap, naming the devices without room', async () => {
        const sender = newIdentity().accountId;
        const recipient = newIdentity().accountId;
        const limits = { ...ROOMY, maxQueueEnvelopes: 2 };
        const first = await store.commitSends([send(sender, recipient, { devices: [1, 2, 3] })], limits);
        expect(stored(first[0])).toHaveLength(3);
        // Device 1 and 3 get one more envelope in between; then a send to all three: only device 2 has room.
        await store.commitSends(
          [send(sender, recipient, { devices: [1] }), send(sender, recipient, { devices: [3] })],
          limits,
        );
        const refused = await store.commitSends([send(sender, recipient, { devices: [3, 2, 1] })], limits);
        expect(refused).toEqual([{ ok: false, refusal: { reason: 'queue-full', recipient, fullDevices: [1, 3] } }]);
        expect(await queued(recipient, 2)).toBe(1);
      });

      it('counts what earlier sends of the same call added, so a batch never overshoots', async () => {
        const sender = newIdentity().accountId;
        const recipient = newIdentity().accountId;
        const other = newIdentity().accountId;
        const sends = [
          send(sender, recipient),
          send(sender, recipient),
          send(sender, other),
          send(sender, recipient),
          send(sender, recipient),
        ];
        const outcomes = await store.commitSends(sends, { ...ROOMY, maxQueueEnvelopes: 3 });
        expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, true, true, false]);
        expect(await queued(recipient)).toBe(3);
        expect(await queued(other)).toBe(1);
        // Seqs still follow commit order across the accepted sends.
        const seqs = outcomes.flatMap((outcome) => (outcome.ok ? outcome.stored.map((e) => e.seq) : []));
        expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      });

      it('caps decoded bytes per device, exactly', async () => {
        const sender = newIdentity().accountId;
        const recipient = newIdentity().accountId;
        const limits = { ...ROOMY, maxQueueBytes: 1000 };
        expect(
          stored((await store.commitSends([send(sender, recipient, { contentBytes: 700 })], limits))[0]),
        ).toHaveLength(1);
        const over = await store.commitSends([send(sender, recipient, { contentBytes: 301 })], limits);
        expect(over[0]).toMatchObject({ ok: false, refusal: { reason: 'queue-full', fullDevices: [1] } });
        // 700 + 300 is exactly the cap (a content length that is no multiple of 3 shows padding is counted right).
        expect((await store.commitSends([send(sender, recipient, { contentBytes: 299 })], limits))[0]?.ok).toBe(true);
        expect((await store.commitSends([send(sender, recipient, { contentBytes: 1 })], limits))[0]?.ok).toBe(true);
        expect((await store.commitSends([send(sender, recipient, { contentBytes: 1 })], limits))[0]?.ok).toBe(false);
      });

      it('counts envelopes stored without limits too, and gives room back on ack, expiry and deletion', async () => {
        const sender = newIdentity();
        const recipient = newIdentity().accountId;
        const limits = { ...ROOMY, maxQueueEnvelopes: 3 };
        const acked = newEnvelope(recipient);
        const expiring = newEnvelope(recipient, { expiresAt: NOW + 1000 });
        await store.insertEnvelopes([acked, expiring]);
        expect((await store.commitSends([send(sender.accountId, recipient)], limits))[0]?.ok).toBe(true);
        expect((await store.commitSends([send(sender.accountId, recipient)], limits))[0]?.ok).toBe(false);

        expect(await store.deleteEnvelopesBatch([{ recipient, deviceId: 1, ids: [acked.id] }])).toEqual([1]);
        expect((await store.commitSends([send(sender.accountId, recipient)], limits))[0]?.ok).toBe(true);
        expect((await store.commitSends([send(sender.accountId, recipient)], limits))[0]?.ok).toBe(false);

        expect(await store.deleteExpiredEnvelopes(NOW + 1000)).toBe(1);
        expect((await store.commitSends([send(sender.accountId, recipient)], limits))[0]?.ok).toBe(true);

        // The sender's account goes: its unsealed envelopes are withdrawn, and with them their room.
        expect(await queued(recipient)).toBe(3);
        await store.deleteAccount(sender.accountId);
        expect(await queued(recipient)).toBe(0);
        const again = Array.from({ length: 3 }, () => send(newIdentity().accountId, recipient));
        expect((await store.commitSends(again, limits)).every((outcome) => outcome.ok)).toBe(true);
      });

      it('gives a queue its room back when a takeover drops it, by count and by bytes', async () => {
        const recipient = newIdentity();
        await store.registerDevice(registration(recipient));
        const sender = newIdentity().accountId;
        const byCount = { ...ROOMY, maxQueueEnvelopes: 2 };
        const byBytes = { ...ROOMY, maxQueueBytes: 250 };
        const full = [send(sender, recipient.accountId), send(sender, recipient.accountId)];
        expect((await store.commitSends(full, byCount)).every((outcome) => outcome.ok)).toBe(true);
        expect((await store.commitSends([send(sender, recipient.accountId)], byCount))[0]).toMatchObject({
          ok: false,
          refusal: { reason: 'queue-full' },
        });
        expect((await store.commitSends([send(sender, recipient.accountId)], byBytes))[0]?.ok).toBe(false);

        const restore = registration(recipient, { installationId: newInstallationId() });
        expect(await store.registerDevice(restore)).toMatchObject({ takenOver: true, droppedEnvelopes: 2 });

        expect(await queued(recipient.accountId)).toBe(0);
        // Its bytes went with it: a send of the whole byte cap fits, and then counts.
        const whole = send(sender, recipient.accountId, { contentBytes: 250 });
        expect((await store.commitSends([whole], byBytes))[0]?.ok).toBe(true);
        expect(
          (await store.commitSends([send(sender, recipient.accountId, { contentBytes: 1 })], byBytes))[0]?.ok,
        ).toBe(false);
        // And its envelopes: one queued now, so one more fits under a cap of two.
        expect((await store.commitSends([send(sender, recipient.accountId)], byCount))[0]?.ok).toBe(true);
        expect((await store.commitSends([send(sender, recipient.accountId)], byCount))[0]?.ok).toBe(false);
      });

      it('fails the whole call for an envelope id repeated or already stored, even in a send it would refuse', async () => {
        const sender = newIdentity().accountId;
        const recipient = newIdentity().accountId;
        const existing = newEnvelope(recipient);
        await store.insertEnvelopes([existing]);
        const full = { ...ROOMY, maxQueueEnvelopes: 1 };
        const repeatsStored = { sender, envelopes: [newEnvelope(recipient, { id: existing.id })] };
        const other = newIdentity().accountId;
        const error = await rejectionOf(store.commitSends([send(sender, other), repeatsStored], full));
        expect(RelayStoreError.is(error, RelayStoreErrorCode.DuplicateEnvelope)).toBe(true);
        const twice = send(sender, other);
        const error2 = await rejectionOf(store.commitSends([twice, { sender, envelopes: twice.envelopes }], ROOMY));
        expect(RelayStoreError.is(error2, RelayStoreErrorCode.DuplicateEnvelope)).toBe(true);
        expect(await store.countEnvelopes()).toBe(1);
      });
    });

    describe('multi-recipient sends', () => {
      /** One sealed envelope for each (recipient, device), as a group message's upload becomes. */
      function multiSend(sender: AccountId | null, devices: readonly [AccountId, number][], contentBytes = 100) {
        const envelopes = devices.map(([recipient, deviceId]) => newEnvelope(recipient, { deviceId, contentBytes }));
        return { sender, envelopes };
      }

      it('commits every recipient’s envelopes or none: one full queue refuses the whole send', async () => {
        const [alice, bob, carol] = [newIdentity().accountId, newIdentity().accountId, newIdentity().accountId];
        const limits = { ...ROOMY, maxQueueEnvelopes: 2 };
        const group: [AccountId, number][] = [
          [alice, 1],
          [alice, 2],
          [bob, 1],
          [carol, 1],
        ];
        const filling = await store.commitSends([send(alice, bob), send(carol, bob)], limits);
        expect(filling.every((outcome) => outcome.ok)).toBe(true);
        // Bob's queue is full; in the same call, a 1:1 send to Carol still commits.
        const outcomes = await store.commitSends([multiSend(null, group), send(alice, carol)], limits);
        expect(outcomes[0]).toEqual({ ok: false, refusal: { reason: 'queue-full', recipient: bob, fullDevices: [1] } });
        expect(outcomes[1]?.ok).toBe(true);
        expect([await queued(alice, 1), await queued(alice, 2), await queued(bob), await queued(carol)]).toEqual([
          0, 0, 2, 1,
        ]);
        // Once Bob fetched one, the same upload commits whole, each envelope in its device's queue.
        const [bobFirst] = await store.fetchEnvelopes(bob, 1, 0, 1, NOW);
        await store.deleteEnvelopesBatch([{ recipient: bob, deviceId: 1, ids: [bobFirst?.id ?? ''] }]);
        const again = multiSend(null, group);
        const committed = await store.commitSends([again], limits);
        expect(stored(committed[0])).toEqual(again.envelopes.map((envelope) => envelope.id));
        expect([await queued(alice, 1), await queued(alice, 2), await queued(bob), await queued(carol)]).toEqual([
          1, 1, 2, 2,
        ]);
      });

      it('charges the sender every envelope of the send, and nothing when it is refused', async () => {
        const sender = newIdentity().accountId;
        const recipients = [newIdentity().accountId, newIdentity().accountId, newIdentity().accountId];
        const limits = { ...ROOMY, dailySendBytes: 600 };
        const toAll = () =>
          multiSend(
            sender,
            recipients.map((recipient): [AccountId, number] => [recipient, 1]),
          );
        // 3 envelopes of 100 bytes: 300 each time; the third would pass 600.
        const outcomes = await store.commitSends([toAll(), toAll(), toAll()], limits);
        expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, false]);
        expect(outcomes[2]).toMatchObject({ ok: false, refusal: { reason: 'quota-exceeded' } });
        for (const recipient of recipients) expect(await queued(recipient)).toBe(2);
      });
    });

    describe('daily quota', () => {
      it("charges accepted sends to the sender's UTC day and refuses what would pass it until the next day", async () => {
        const sender = newIdentity().accountId;
        const bystander = newIdentity().accountId;
        const recipient = newIdentity().accountId;
        const day = Math.floor(NOW / DAY_MS);
        const limits = { ...ROOMY, dailySendBytes: 1000, now: NOW };
        // 2 devices x 300 bytes = 600, then 2 x 200 = 400: exactly the quota.
        const outcomes = await store.commitSends(
          [
            send(sender, recipient, { devices: [1, 2], contentBytes: 300 }),
            send(sender, recipient, { devices: [1, 2], contentBytes: 200 }),
            send(sender, recipient, { contentBytes: 1 }),
            send(bystander, recipient, { contentBytes: 900 }),
          ],
          limits,
        );
        expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, false, true]);
        expect(outcomes[2]).toEqual({ ok: false, refusal: { reason: 'quota-exceeded', resetsAt: (day + 1) * DAY_MS } });

        const lastMoment = { ...limits, now: (day + 1) * DAY_MS - 1 };
        expect((await store.commitSends([send(sender, recipient, { contentBytes: 1 })], lastMoment))[0]?.ok).toBe(
          false,
        );
        const tomorrow = { ...limits, now: (day + 1) * DAY_MS };
        expect((await store.commitSends([send(sender, recipient, { contentBytes: 1000 })], tomorrow))[0]?.ok).toBe(
          true,
        );
        // Yesterday's usage can go; today's is kept and still counts.
        expect(await store.deleteExpiredSendUsage(tomorrow.now)).toBeGreaterThanOrEqual(1);
        expect((await store.commitSends([send(sender, recipient, { contentBytes: 1 })], tomorrow))[0]?.ok).toBe(false);
      });

      it('charges nothing for a refused send', async () => {
        const sender = newIdentity().accountId;
        const recipient = newIdentity().accountId;
        const limits = { ...ROOMY, maxQueueEnvelopes: 1, dailySendBytes: 300 };
        expect((await store.commitSends([send(sender, recipient, { contentBytes: 100 })], limits))[0]?.ok).toBe(true);
        for (let attempt = 0; attempt < 3; attempt++) {
          const full = await store.commitSends([send(sender, recipient, { contentBytes: 100 })], limits);
          expect(full[0]).toMatchObject({ ok: false, refusal: { reason: 'queue-full' } });
        }
        const elsewhere = newIdentity().accountId;
        expect((await store.commitSends([send(sender, elsewhere, { contentBytes: 200 })], limits))[0]?.ok).toBe(true);
      });

      it('charges stored bytes (attachment blobs) to the same day as sends, all or nothing', async () => {
        const sender = newIdentity().accountId;
        const recipient = newIdentity().accountId;
        const day = Math.floor(NOW / DAY_MS);
        const limits = { dailySendBytes: 1000, now: NOW };
        expect(await store.chargeStoredBytes(sender, 600, limits)).toBe(true);
        // 600 stored + 300 sent = 900: a send of 200 more would pass 1000.
        expect(
          (await store.commitSends([send(sender, recipient, { contentBytes: 300 })], { ...ROOMY, ...limits }))[0]?.ok,
        ).toBe(true);
        expect(
          (await store.commitSends([send(sender, recipient, { contentBytes: 200 })], { ...ROOMY, ...limits }))[0]?.ok,
        ).toBe(false);
        expect(await store.chargeStoredBytes(sender, 101, limits)).toBe(false);
        // A refused charge charged nothing: exactly what is left still fits.
        expect(await store.chargeStoredBytes(sender, 100, limits)).toBe(true);
        expect(await store.chargeStoredBytes(sender, 1, limits)).toBe(false);
        expect(await store.chargeStoredBytes(newIdentity().accountId, 1000, limits)).toBe(true);
        expect(await store.chargeStoredBytes(sender, 1000, { ...limits, now: (day + 1) * DAY_MS })).toBe(true);
      });

      it('forgets an account’s usage with the account', async () => {
        const sender = newIdentity();
        await store.registerDevice(registration(sender));
        const recipient = newIdentity().accountId;
        await store.commitSends([send(sender.accountId, recipient)], ROOMY);
        await store.deleteAccount(sender.accountId);
        if (harness.findResidue !== undefined) {
          expect(await harness.findResidue({ strings: [sender.accountId], bytes: [sender.identityKeyBytes] })).toEqual(
            [],
          );
        }
        // A new account under the id starts from nothing.
        const limits = { ...ROOMY, dailySendBytes: 100 };
        expect((await store.commitSends([send(sender.accountId, recipient)], limits))[0]?.ok).toBe(true);
      });
    });
  });

  describeRelayStoreAdmissionContract(name, createHarness);
}
