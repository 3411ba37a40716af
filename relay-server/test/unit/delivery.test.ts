/**
 * The delivery core without a network: EnvelopeCommitter (group commit) and
 * DeviceConnection (cursor + pump) over the in-memory store, with a sink that
 * records what a socket would have been sent.
 */
import { type AccountId, type Envelope, MAX_ENVELOPES_PER_BATCH, type RelayError } from '@parley/crypto-core/wire';
import { pino } from 'pino';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type DeliverySink, DeviceConnection } from '../../src/delivery/device-connection.js';
import { type CommitLimits, EnvelopeCommitter } from '../../src/delivery/envelope-committer.js';
import { newEnvelopeId } from '../../src/envelope-ids.js';
import { RelayMetrics } from '../../src/metrics.js';
import { MemoryRelayStore } from '../../src/storage/index.js';
import type { NewEnvelope, NewSend, RelayStore, SendOutcome, StoredEnvelope } from '../../src/storage/relay-store.js';

const RECIPIENT = 'a'.repeat(32) as AccountId;
const logger = pino({ level: 'silent' });

class RecordingSink implements DeliverySink {
  readonly batches: Envelope[][] = [];
  queueEmpties = 0;
  readonly errors: RelayError[] = [];
  disconnected = false;
  envelopes(batch: Envelope[]): void {
    this.batches.push(batch);
  }
  queueEmpty(): void {
    this.queueEmpties++;
  }
  preKeysLow(): void {}
  relayError(error: RelayError): void {
    this.errors.push(error);
  }
  disconnect(): void {
    this.disconnected = true;
  }
  get ids(): string[] {
    return this.batches.flat().map((envelope) => envelope.id);
  }
}

function envelope(label: string): NewEnvelope {
  const now = Date.now();
  return {
    id: newEnvelopeId(now),
    recipient: RECIPIENT,
    deviceId: 1,
    type: 'message',
    content: Buffer.from(label).toString('base64'),
    serverTimestamp: now,
    expiresAt: now + 60_000,
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
}

let store: RelayStore;
let metrics: RelayMetrics;

beforeEach(async () => {
  store = new MemoryRelayStore();
  await store.init();
  metrics = new RelayMetrics(() => store.countEnvelopes());
});

const SENDER = 'b'.repeat(32) as AccountId;
const ROOMY: CommitLimits = { maxQueueEnvelopes: 10_000, maxQueueBytes: 1e9, dailySendBytes: 1e9 };

function sendOf(...envelopes: NewEnvelope[]): NewSend {
  return { sender: SENDER, envelopes };
}

function storedIds(outcome: SendOutcome): string[] {
  return outcome.ok ? outcome.stored.map((e) => e.id) : [];
}

describe('EnvelopeCommitter', () => {
  it('commits all sends of one turn in one transaction and acknowledges each with its own envelopes', async () => {
    const commit = vi.spyOn(store, 'commitSends');
    const committed: StoredEnvelope[][] = [];
    const committer = new EnvelopeCommitter(store, metrics, logger, ROOMY, (stored) => committed.push([...stored]));
    const sends = Array.from({ length: 20 }, (_, i) => sendOf(envelope(`s${i}a`), envelope(`s${i}b`)));
    const results = await Promise.all(sends.map((send) => committer.submit(send)));
    expect(commit).toHaveBeenCalledTimes(1);
    results.forEach((outcome, i) => {
      expect(storedIds(outcome)).toEqual(sends[i]?.envelopes.map((e) => e.id));
    });
    expect(committed).toHaveLength(1);
    expect(committed[0]).toHaveLength(40);
  });

  it('answers a send the limits refuse with its refusal, and commits the rest of the batch', async () => {
    const committed: StoredEnvelope[][] = [];
    const limits = { ...ROOMY, maxQueueEnvelopes: 2 };
    const committer = new EnvelopeCommitter(store, metrics, logger, limits, (stored) => committed.push([...stored]));
    const results = await Promise.all(['a', 'b', 'c'].map((label) => committer.submit(sendOf(envelope(label)))));
    expect(results.map((outcome) => outcome.ok)).toEqual([true, true, false]);
    expect(results[2]).toEqual({
      ok: false,
      refusal: { reason: 'queue-full', recipient: RECIPIENT, fullDevices: [1] },
    });
    expect(committed.flat()).toHaveLength(2);
    expect(await store.countEnvelopes()).toBe(2);
  });

  it('refuses every send of a failed batch and stores none of it', async () => {
    vi.spyOn(store, 'commitSends').mockRejectedValueOnce(new Error('disk full'));
    const committer = new EnvelopeCommitter(store, metrics, logger, ROOMY, () => undefined);
    const outcomes = await Promise.allSettled([
      committer.submit(sendOf(envelope('x'))),
      committer.submit(sendOf(envelope('y'))),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(await store.countEnvelopes()).toBe(0);
    await committer.submit(sendOf(envelope('z')));
    expect(await store.countEnvelopes()).toBe(1);
  });

  it.each([
    [false, 1],
    [true, 2],
  ])('with commitsInCallOrder %s keeps at most %i batches in flight, pushing in seq order', async (inOrder, most) => {
    const commit = store.commitSends.bind(store);
    let inFlight = 0;
    let highest = 0;
    vi.spyOn(store, 'commitSends').mockImplementation(async (sends, limits) => {
      inFlight++;
      highest = Math.max(highest, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      try {
        return await commit(sends, limits);
      } finally {
        inFlight--;
      }
    });
    Object.defineProperty(store, 'commitsInCallOrder', { value: inOrder });
    const committed: StoredEnvelope[] = [];
    const committer = new EnvelopeCommitter(store, metrics, logger, ROOMY, (stored) => committed.push(...stored));
    const pending: Promise<SendOutcome>[] = [];
    for (let turn = 0; turn < 6; turn++) {
      pending.push(committer.submit(sendOf(envelope(`t${turn}a`))), committer.submit(sendOf(envelope(`t${turn}b`))));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(pending);
    await committer.idle();
    expect(highest).toBe(most);
    expect(committed).toHaveLength(12);
    const seqs = committed.map((stored) => stored.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('reports idle only when nothing is queued or committing', async () => {
    const committer = new EnvelopeCommitter(store, metrics, logger, ROOMY, () => undefined);
    const pending = committer.submit(sendOf(envelope('a')));
    await committer.idle();
    expect(await store.countEnvelopes()).toBe(1);
    await pending;
  });
});

describe('DeviceConnection', () => {
  function connectionWith(sink: RecordingSink, window = 1000): DeviceConnection {
    return new DeviceConnection(RECIPIENT, 1, sink, store, metrics, logger, window);
  }

  it('drains the queue in order in batches, then says queue-empty once', async () => {
    const queued = Array.from({ length: 250 }, (_, i) => envelope(`q${i}`));
    await store.insertEnvelopes(queued);
    const sink = new RecordingSink();
    connectionWith(sink).start();
    await until(() => sink.queueEmpties === 1);
    expect(sink.ids).toEqual(queued.map((e) => e.id));
    expect(sink.batches.every((batch) => batch.length <= MAX_ENVELOPES_PER_BATCH)).toBe(true);
  });

  it('pushes committed envelopes straight from the commit once caught up, without reading the store', async () => {
    const sink = new RecordingSink();
    const connection = connectionWith(sink);
    connection.start();
    await until(() => sink.queueEmpties === 1);
    const fetch = vi.spyOn(store, 'fetchEnvelopes');
    const committer = new EnvelopeCommitter(store, metrics, logger, ROOMY, (stored) => connection.offer(stored));
    const sent = [envelope('live1'), envelope('live2')];
    await committer.submit(sendOf(...sent));
    expect(sink.ids).toEqual(sent.map((e) => e.id));
    expect(fetch).not.toHaveBeenCalled();
    expect(sink.queueEmpties).toBe(1);
  });

  it('never duplicates or skips when commits race the drain', async () => {
    await store.insertEnvelopes(Array.from({ length: 150 }, (_, i) => envelope(`old${i}`)));
    const sink = new RecordingSink();
    const connection = connectionWith(sink);
    const committer = new EnvelopeCommitter(store, metrics, logger, ROOMY, (stored) => connection.offer(stored));
    connection.start();
    const live = Array.from({ length: 60 }, (_, i) => envelope(`new${i}`));
    await Promise.all(live.map((e) => committer.submit(sendOf(e))));
    await until(() => sink.ids.length === 210);
    const all = await store.fetchEnvelopes(RECIPIENT, 1, 0, 1000, Date.now());
    expect(sink.ids).toEqual(all.map((e) => e.id));
    expect(sink.queueEmpties).toBe(1);
  });

  it('stops at the window until acks make room', async () => {
    const queued = Array.from({ length: 250 }, (_, i) => envelope(`w${i}`));
    await store.insertEnvelopes(queued);
    const sink = new RecordingSink();
    const connection = connectionWith(sink, 100);
    connection.start();
    await until(() => sink.ids.length === 100);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sink.ids).toHaveLength(100);
    expect(sink.queueEmpties).toBe(0);
    connection.acknowledged(sink.ids.slice(0, 100));
    await until(() => sink.ids.length === 200);
    connection.acknowledged(sink.ids.slice(100, 200));
    await until(() => sink.queueEmpties === 1);
    expect(sink.ids).toEqual(queued.map((e) => e.id));
  });

  it('ends with a reason and then ignores everything', () => {
    const sink = new RecordingSink();
    const connection = connectionWith(sink);
    connection.end({ code: 'TOKEN_EXPIRED', message: 'expired' });
    connection.offer([{ ...envelope('late'), seq: 1 }]);
    expect(sink.errors).toEqual([{ code: 'TOKEN_EXPIRED', message: 'expired' }]);
    expect(sink.disconnected).toBe(true);
    expect(sink.batches).toHaveLength(0);
  });
});
