/**
 * The PostgreSQL store's lock order under the load that found it broken:
 * several nodes (each its own pool) committing batched sends to, draining,
 * acknowledging in batches and sweeping the same devices' queues at once.
 * Acknowledgements name their devices in any order, as the relay's ack
 * batcher gathers them, while sends lock the same queues' usage rows sorted.
 *
 * Before the fix, acknowledgement batches and sweeps let the delete trigger
 * lock the usage rows in hash-join order: PostgreSQL found deadlocks, each
 * after deadlock_timeout (1 s), and the store retried them (or gave up and
 * threw). Now every transaction locks in one order, so the store must never
 * have retried, nothing may throw, and every envelope must be removed exactly
 * once (by the one acknowledgement or sweep that counted it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PostgresRelayStore } from '../../src/storage/postgres-store.js';
import type { EnvelopeDeletion, NewSend, StoredEnvelope } from '../../src/storage/relay-store.js';
import { dropTestSchema, newPostgresStore, newTestSchemaName, withTestClient } from './postgres-harness.js';
import { NOW, newEnvelope, newIdentity } from './store-fixtures.js';

const NODES = 4;
const RECIPIENTS = 6;
const DEVICES_PER_RECIPIENT = 2;
/** Send batches per node, each 3-6 sends from different senders to different queues (as one commit turn). */
const SEND_BATCHES = 40;
/** Bound of the acknowledgement loop: passes over every queue per node. */
const MAX_ACK_PASSES = 2_000;
/**
 * The work stops here at the latest (a few seconds suffice; the old lock
 * order stalled a second per deadlock and ran for minutes).
 */
const DEADLINE_MS = 30_000;
/** Bound of each sweeper's loop while the senders run. */
const MAX_SWEEPS = 2_000;
/** One envelope in EXPIRED_EVERY is already expired when sent: only a sweep removes it. */
const EXPIRED_EVERY = 5;

interface Queue {
  readonly recipient: StoredEnvelope['recipient'];
  readonly deviceId: number;
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

describe('PostgresRelayStore lock order: sends, acknowledgements and sweeps from several nodes on the same queues', () => {
  const schema = newTestSchemaName();
  const nodes: PostgresRelayStore[] = [];

  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.close()));
    await dropTestSchema(schema);
  });

  it('never deadlocks (no retry, no error) and removes every envelope exactly once', async () => {
    for (let index = 0; index < NODES; index++) nodes.push(newPostgresStore(schema, { maxConnections: 3 }));
    await Promise.all(nodes.map((node) => node.init()));
    const recipients = Array.from({ length: RECIPIENTS }, () => newIdentity().accountId);
    const queues: Queue[] = recipients.flatMap((recipient) =>
      Array.from({ length: DEVICES_PER_RECIPIENT }, (_, device) => ({ recipient, deviceId: device + 1 })),
    );
    // What the calls threw: SQLSTATE (or message) and how often.
    const errors = new Map<string, number>();
    const caught = <T>(call: Promise<T>, fallback: T): Promise<T> =>
      call.catch((error: unknown) => {
        const code = (error as { code?: unknown }).code;
        const key = typeof code === 'string' ? code : String(error);
        errors.set(key, (errors.get(key) ?? 0) + 1);
        return fallback;
      });

    const deadline = Date.now() + DEADLINE_MS;
    let live = 0;
    let expired = 0;
    let sendersLeft = NODES;
    const send = async (node: PostgresRelayStore): Promise<void> => {
      let sent = 0;
      for (let batch = 0; batch < SEND_BATCHES && Date.now() < deadline; batch++) {
        const sends: NewSend[] = shuffled(queues)
          .slice(0, 3 + (batch % 4))
          .map((queue) => {
            const isExpired = sent++ % EXPIRED_EVERY === 0;
            return {
              sender: newIdentity().accountId,
              envelopes: [
                newEnvelope(queue.recipient, {
                  deviceId: queue.deviceId,
                  contentBytes: 120,
                  ...(isExpired ? { expiresAt: NOW - 1 } : {}),
                }),
              ],
            };
          });
        const limits = { maxQueueEnvelopes: 1e6, maxQueueBytes: 1e9, dailySendBytes: 1e9, now: NOW };
        const outcomes = await caught(node.commitSends(sends, limits), []);
        for (const outcome of outcomes) {
          for (const envelope of outcome.ok ? outcome.stored : []) {
            if (envelope.expiresAt <= NOW) expired++;
            else live++;
          }
        }
      }
      sendersLeft--;
    };

    let acknowledged = 0;
    const acknowledge = async (node: PostgresRelayStore): Promise<void> => {
      for (let pass = 0; pass < MAX_ACK_PASSES && Date.now() < deadline; pass++) {
        const sending = sendersLeft > 0;
        const deletions: EnvelopeDeletion[] = [];
        for (const queue of shuffled(queues)) {
          const page = await caught(node.fetchEnvelopes(queue.recipient, queue.deviceId, 0, 50, NOW), []);
          if (page.length > 0) deletions.push({ ...queue, ids: page.map((envelope) => envelope.id) });
        }
        if (deletions.length === 0 && !sending) return;
        const counts = await caught(node.deleteEnvelopesBatch(deletions), []);
        acknowledged += counts.reduce((sum, count) => sum + count, 0);
      }
    };

    let swept = 0;
    const sweep = async (node: PostgresRelayStore): Promise<void> => {
      for (let round = 0; round < MAX_SWEEPS && sendersLeft > 0; round++) {
        const removed = await caught(node.deleteExpiredEnvelopes(NOW), 0);
        swept += removed;
      }
    };

    await Promise.all([
      ...nodes.map(send),
      ...nodes.map(acknowledge),
      sweep(nodes[0] as PostgresRelayStore),
      sweep(nodes[NODES - 1] as PostgresRelayStore),
    ]);
    const lastSweep = await (nodes[1] as PostgresRelayStore).deleteExpiredEnvelopes(NOW);
    swept += lastSweep;

    const retries = nodes.map((node) => node.transactionRetries());
    console.info(
      `lock order: ${live + expired} envelopes committed (${expired} expired), ${acknowledged} acknowledged, ` +
        `${swept} swept, retries ${JSON.stringify(retries)}, errors ${JSON.stringify(Object.fromEntries(errors))}`,
    );
    expect(retries).toEqual(nodes.map(() => ({ deadlock: 0, serializationFailure: 0 })));
    expect(Object.fromEntries(errors)).toEqual({});
    expect(live + expired).toBeGreaterThan(NODES * SEND_BATCHES * 3 - 1);
    expect(acknowledged).toBe(live);
    expect(swept).toBe(expired);
    expect(await (nodes[2] as PostgresRelayStore).countEnvelopes()).toBe(0);
    const left = await withTestClient((client) =>
      client.query<{ envelopes: number }>(`SELECT count(*)::integer AS envelopes FROM "${schema}".envelopes`),
    );
    expect(left.rows[0]?.envelopes).toBe(0);
  });
});
