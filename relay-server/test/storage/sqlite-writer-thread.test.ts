/**
 * The SQLite store's writer thread: writes made on the event loop commit in
 * call order (seq order is call order, even across batches posted without
 * waiting), and when the thread dies, every write in flight rejects with
 * WRITER_STOPPED (never a false success), writes meanwhile are refused, and
 * a new thread takes over by itself, with everything acknowledged before
 * still stored. A read waits for the deletions posted before it.
 */
import { describe, expect, it } from 'vitest';
import type { NewSend, StoredEnvelope } from '../../src/storage/relay-store.js';
import { RelayStoreError, RelayStoreErrorCode } from '../../src/storage/relay-store-errors.js';
import type { SqliteRelayStore } from '../../src/storage/sqlite-store.js';
import { useSqliteFolder } from './sqlite-folder.js';
import { NOW, newEnvelope, newIdentity, registration } from './store-fixtures.js';

const LIMITS = { maxQueueEnvelopes: 1_000_000, maxQueueBytes: 1e12, dailySendBytes: 1e12, now: NOW };

async function waitForWriter(store: SqliteRelayStore): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!store.writerRunning) {
    if (Date.now() > deadline) throw new Error('no new writer thread within 15 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('SqliteRelayStore writer thread', () => {
  const sqlite = useSqliteFolder();

  it('commits writes in call order: seqs follow the calls, not their completion', async () => {
    const store = await sqlite.open();
    const bob = newIdentity();
    await store.registerDevice(registration(bob));
    const sends: NewSend[] = Array.from({ length: 20 }, () => ({
      sender: null,
      envelopes: Array.from({ length: 25 }, () => newEnvelope(bob.accountId)),
    }));
    const outcomes = await Promise.all(sends.map((send) => store.commitSends([send], LIMITS)));
    const seqs = outcomes.flatMap(([outcome]) => (outcome?.ok ? outcome.stored.map((stored) => stored.seq) : []));
    expect(seqs).toHaveLength(500);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const fetched = await store.fetchEnvelopes(bob.accountId, 1, 0, 1000, NOW);
    expect(fetched.map((envelope) => envelope.id)).toEqual(sends.flatMap((send) => send.envelopes.map((e) => e.id)));
  });

  it('reads after deletions: a fetch made while an acknowledgement is still in the writer never returns what it deletes', async () => {
    const store = await sqlite.open();
    const bob = newIdentity();
    await store.registerDevice(registration(bob));
    for (let round = 0; round < 20; round += 1) {
      const outcome = await store.commitSends(
        [{ sender: null, envelopes: Array.from({ length: 50 }, () => newEnvelope(bob.accountId)) }],
        LIMITS,
      );
      const stored = outcome[0]?.ok ? outcome[0].stored : [];
      expect(stored).toHaveLength(50);
      // The acknowledgement is posted, not awaited, as the relay does; the drain reads right after.
      const deletion = store.deleteEnvelopes(
        bob.accountId,
        1,
        stored.map((envelope) => envelope.id),
      );
      const fetched = await store.fetchEnvelopes(bob.accountId, 1, 0, 1000, NOW);
      expect(fetched).toEqual([]);
      expect(await deletion).toBe(50);
    }
  });

  it('refuses what a dead thread had in flight, refuses writes until a new one runs, and keeps what it acknowledged', async () => {
    const store = await sqlite.open();
    const bob = newIdentity();
    await store.registerDevice(registration(bob));
    const before = await store.commitSends([{ sender: null, envelopes: [newEnvelope(bob.accountId)] }], LIMITS);
    const acknowledged: StoredEnvelope[] = before[0]?.ok ? before[0].stored : [];
    expect(acknowledged).toHaveLength(1);

    const inFlight = Array.from({ length: 40 }, () =>
      store.commitSends(
        [{ sender: null, envelopes: Array.from({ length: 100 }, () => newEnvelope(bob.accountId)) }],
        LIMITS,
      ),
    );
    await store.killWriterThread();
    const settled = await Promise.allSettled(inFlight);
    const refused = settled.filter((result) => result.status === 'rejected');
    // The thread dies long before 40 commits of 100 envelopes are through.
    expect(refused.length).toBeGreaterThan(0);
    for (const result of refused) {
      expect(RelayStoreError.is(result.reason, RelayStoreErrorCode.WriterStopped)).toBe(true);
    }
    for (const result of settled) {
      const outcome = result.status === 'fulfilled' ? result.value[0] : undefined;
      if (outcome?.ok) acknowledged.push(...outcome.stored);
    }

    expect(store.writerRunning).toBe(false);
    await expect(store.countEnvelopes()).rejects.toSatisfy((error) =>
      RelayStoreError.is(error, RelayStoreErrorCode.WriterStopped),
    );
    // Reads go on through the event loop's own connection meanwhile.
    expect(await store.getAccount(bob.accountId)).not.toBeNull();

    await waitForWriter(store);
    const after = await store.commitSends([{ sender: null, envelopes: [newEnvelope(bob.accountId)] }], LIMITS);
    expect(after[0]?.ok).toBe(true);
    const stored = await store.fetchEnvelopes(bob.accountId, 1, 0, 10_000, NOW);
    const storedIds = new Set(stored.map((envelope) => envelope.id));
    for (const envelope of acknowledged) expect(storedIds.has(envelope.id)).toBe(true);
    expect(await store.countEnvelopes()).toBe(stored.length);
  });

  it('lets every write called before close commit, then refuses with STORE_CLOSED', async () => {
    const store = await sqlite.open();
    const bob = newIdentity();
    await store.registerDevice(registration(bob));
    const pending = store.insertEnvelopes(Array.from({ length: 200 }, () => newEnvelope(bob.accountId)));
    await store.close();
    expect(await pending).toHaveLength(200);
    await expect(store.countEnvelopes()).rejects.toSatisfy((error) =>
      RelayStoreError.is(error, RelayStoreErrorCode.StoreClosed),
    );
    const reopened = await sqlite.open();
    expect(await reopened.countEnvelopes()).toBe(200);
  });
});
