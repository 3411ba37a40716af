/**
 * AckBatcher (group commit of acknowledgements) over the in-memory store,
 * with a spy that can hold a transaction open, so the tests can see which
 * acks share a transaction and that no ack is answered before its commit.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { AckBatcher, MAX_IDS_PER_DELETE } from '../../src/delivery/ack-batcher.js';
import { newEnvelopeId } from '../../src/envelope-ids.js';
import { RelayErrorCode, RelayServerError } from '../../src/errors.js';
import { MemoryRelayStore } from '../../src/storage/index.js';
import type { EnvelopeDeletion, NewEnvelope } from '../../src/storage/relay-store.js';

const logger = pino({ level: 'silent' });
const ALICE = 'a'.repeat(32) as AccountId;
const BOB = 'b'.repeat(32) as AccountId;

function envelopeFor(recipient: AccountId, deviceId = 1): NewEnvelope {
  const now = Date.now();
  return {
    id: newEnvelopeId(now),
    recipient,
    deviceId,
    type: 'message',
    content: 'AAAA',
    serverTimestamp: now,
    expiresAt: now + 60_000,
  };
}

/** The memory store, recording each batched delete and able to hold the next one until released. */
class SpyStore extends MemoryRelayStore {
  readonly batches: EnvelopeDeletion[][] = [];
  failNext = false;
  #gate: Promise<void> | null = null;
  #release: (() => void) | null = null;

  hold(): void {
    this.#gate = new Promise((resolve) => {
      this.#release = resolve;
    });
  }

  release(): void {
    this.#release?.();
    this.#gate = null;
  }

  override async deleteEnvelopesBatch(deletions: readonly EnvelopeDeletion[]): Promise<number[]> {
    this.batches.push([...deletions]);
    if (this.#gate !== null) await this.#gate;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk I/O error');
    }
    return super.deleteEnvelopesBatch(deletions);
  }
}

let store: SpyStore;
let batcher: AckBatcher;

beforeEach(async () => {
  store = new SpyStore();
  await store.init();
  batcher = new AckBatcher(store, logger);
});

async function queued(recipient: AccountId, count: number, deviceId = 1): Promise<string[]> {
  const stored = await store.insertEnvelopes(Array.from({ length: count }, () => envelopeFor(recipient, deviceId)));
  return stored.map((envelope) => envelope.id);
}

describe('AckBatcher', () => {
  it('deletes every ack of one turn in one transaction and answers each with its own count', async () => {
    const alice = await queued(ALICE, 3);
    const bob = await queued(BOB, 2);
    const answers = await Promise.all([
      batcher.submit({ recipient: ALICE, deviceId: 1, ids: alice }),
      batcher.submit({ recipient: BOB, deviceId: 1, ids: bob }),
      // Bob naming Alice's envelopes deletes nothing of hers.
      batcher.submit({ recipient: BOB, deviceId: 1, ids: alice }),
    ]);
    expect(answers).toEqual([3, 2, 0]);
    expect(store.batches).toHaveLength(1);
    expect(await store.countEnvelopes()).toBe(0);
  });

  it('answers an ack only after its transaction committed, and batches what arrives meanwhile', async () => {
    batcher = new AckBatcher(store, logger, 0);
    const ids = await queued(ALICE, 4);
    store.hold();
    let firstAnswered = false;
    const first = batcher.submit({ recipient: ALICE, deviceId: 1, ids: ids.slice(0, 2) }).then((deleted) => {
      firstAnswered = true;
      return deleted;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.batches).toHaveLength(1);
    const second = batcher.submit({ recipient: ALICE, deviceId: 1, ids: ids.slice(2, 3) });
    const third = batcher.submit({ recipient: ALICE, deviceId: 1, ids: ids.slice(3) });
    await new Promise((resolve) => setImmediate(resolve));
    expect(firstAnswered).toBe(false);
    // Nothing starts while the first transaction runs.
    expect(store.batches).toHaveLength(1);
    store.release();
    expect(await Promise.all([first, second, third])).toEqual([2, 1, 1]);
    expect(store.batches.map((batch) => batch.length)).toEqual([1, 2]);
    await batcher.idle();
  });

  it('fails every ack of a failed transaction with UNAVAILABLE, deleting none, and keeps serving', async () => {
    const ids = await queued(ALICE, 2);
    store.failNext = true;
    const failed = await Promise.allSettled([
      batcher.submit({ recipient: ALICE, deviceId: 1, ids: ids.slice(0, 1) }),
      batcher.submit({ recipient: ALICE, deviceId: 1, ids: ids.slice(1) }),
    ]);
    for (const outcome of failed) {
      expect(outcome.status).toBe('rejected');
      if (outcome.status === 'rejected') {
        expect(RelayServerError.is(outcome.reason, RelayErrorCode.Unavailable)).toBe(true);
      }
    }
    expect(await store.countEnvelopes()).toBe(2);
    expect(await batcher.submit({ recipient: ALICE, deviceId: 1, ids })).toBe(2);
  });

  it('splits a turn with more ids than one transaction takes, never splitting one ack', async () => {
    const acks = Math.ceil(MAX_IDS_PER_DELETE / 100) + 5;
    const answers = await Promise.all(
      Array.from({ length: acks }, async (_, index) => {
        const ids = await queued(ALICE, 100, index + 1);
        return batcher.submit({ recipient: ALICE, deviceId: index + 1, ids });
      }),
    );
    expect(answers).toEqual(Array.from({ length: acks }, () => 100));
    expect(store.batches.length).toBeGreaterThanOrEqual(2);
    for (const batch of store.batches) {
      const ids = batch.reduce((sum, deletion) => sum + deletion.ids.length, 0);
      expect(ids).toBeLessThanOrEqual(MAX_IDS_PER_DELETE + 100);
      for (const deletion of batch) expect(deletion.ids).toHaveLength(100);
    }
    expect(await store.countEnvelopes()).toBe(0);
  });

  it('lets the first ack of a batch wait for the acks that follow within the linger', async () => {
    const ids = await queued(ALICE, 3);
    const first = batcher.submit({ recipient: ALICE, deviceId: 1, ids: ids.slice(0, 1) });
    await new Promise((resolve) => setTimeout(resolve, 2));
    const second = batcher.submit({ recipient: ALICE, deviceId: 1, ids: ids.slice(1, 2) });
    expect(await Promise.all([first, second])).toEqual([1, 1]);
    expect(store.batches).toHaveLength(1);

    // Without a linger, acks of different turns get transactions of their own.
    const eager = new AckBatcher(store, logger, 0);
    await eager.submit({ recipient: ALICE, deviceId: 1, ids: ids.slice(2) });
    await eager.submit({ recipient: ALICE, deviceId: 1, ids: ['not-queued'] });
    expect(store.batches).toHaveLength(3);
  });

  it('does not make a full batch wait for the linger', async () => {
    const patient = new AckBatcher(store, logger, 60_000);
    const acks = MAX_IDS_PER_DELETE / 100;
    const submitted = await Promise.all(
      Array.from({ length: acks }, async (_, index) => {
        const ids = await queued(BOB, 100, index + 1);
        return () => patient.submit({ recipient: BOB, deviceId: index + 1, ids });
      }),
    );
    const answers = Promise.all(submitted.map((submit) => submit()));
    const tooLate = new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 2000).unref());
    expect(await Promise.race([answers, tooLate])).toEqual(Array.from({ length: acks }, () => 100));
  });

  it('is idle when nothing is queued or running', async () => {
    await batcher.idle();
    const ids = await queued(ALICE, 1);
    const answer = batcher.submit({ recipient: ALICE, deviceId: 1, ids });
    await batcher.idle();
    expect(await answer).toBe(1);
    expect(batcher.backlog).toBe(0);
  });
});
