/**
 * Durability under kill -9: 1,000 envelopes flow from one client to another
 * while the relay is killed at random points, three times, and restarted on
 * the same data folder. The clients behave like real ones: the sender resends
 * every send it has no acknowledgement for, the recipient acks what it has
 * recorded. Afterwards:
 *   - every envelope acknowledged to the sender was delivered, under the id
 *     it was acknowledged with (nothing acked is lost);
 *   - every payload arrived (nothing is lost at all, given resends);
 *   - one payload under two different envelope ids happens only for a send
 *     that was resent because its acknowledgement was lost in a crash;
 *     otherwise duplicates carry the same envelope id (redelivery).
 */

import {
  connect,
  type DeviceSocket,
  DisconnectedError,
  httpOf,
  labelOf,
  payload,
  type RegisteredDevice,
  RelayProcess,
  registerDevice,
} from '@parley/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';

const TOTAL = 1000;
const WINDOW = 32;
const ROUNDS = 3;

let relay: RelayProcess;

beforeAll(async () => {
  relay = await RelayProcess.start({ args: ['--send-rate', '100000', '--send-burst', '100000'] });
});

afterAll(async () => {
  await relay?.dispose();
});

function randomBetween(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

it('loses nothing it acknowledged across repeated kill -9 and restarts', async () => {
  const http = httpOf(relay);
  const sender: RegisteredDevice = await registerDevice(http);
  const recipient: RegisteredDevice = await registerDevice(http);

  /** payload index -> envelope id the relay acknowledged. */
  const acked = new Map<number, string>();
  /** how many times each payload was sent. */
  const sendCount = new Map<number, number>();
  /** payload label -> distinct envelope ids received. */
  const receivedIds = new Map<string, Set<string>>();
  let receivedTotal = 0;

  const record = (socket: DeviceSocket, from: number) => {
    for (const envelope of socket.received.slice(from)) {
      const label = labelOf(envelope.content);
      let ids = receivedIds.get(label);
      if (ids === undefined) {
        ids = new Set();
        receivedIds.set(label, ids);
      }
      ids.add(envelope.id);
      receivedTotal++;
    }
  };

  /** Kill points: once this many sends are acked (random, one per round, increasing). */
  const killPoints = [randomBetween(100, 300), randomBetween(400, 600), randomBetween(700, 900)].slice(0, ROUNDS);
  console.info(`kill -9 after ${killPoints.join(', ')} acknowledged sends`);

  for (let epoch = 0; epoch <= ROUNDS; epoch++) {
    const killAt = killPoints[epoch];
    const recipientSocket = await connect(relay, recipient.token);
    const senderSocket = await connect(relay, sender.token);
    let killing: Promise<unknown> | null = null;
    const todo = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => !acked.has(i));

    const worker = async () => {
      for (;;) {
        const index = todo.shift();
        if (index === undefined || senderSocket.disconnected) return;
        sendCount.set(index, (sendCount.get(index) ?? 0) + 1);
        try {
          const result = await senderSocket.send({
            recipient: recipient.device.accountId,
            messages: [{ deviceId: 1, type: 'message', content: payload(`p${index}`, 600) }],
          });
          const id = result.ok ? result.envelopeIds[0] : undefined;
          if (id !== undefined) acked.set(index, id);
        } catch (error) {
          if (!(error instanceof DisconnectedError)) throw error;
          return; // resent in the next epoch
        }
        if (killAt !== undefined && killing === null && acked.size >= killAt) killing = relay.kill();
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, worker));

    if (killAt !== undefined) {
      await (killing ?? relay.kill());
      await recipientSocket.waitFor(() => recipientSocket.disconnected, 10_000, 'recipient sees the crash');
      record(recipientSocket, 0);
      await relay.restart();
    } else {
      // Final epoch: everything was acked; wait until the recipient has every payload.
      await recipientSocket.waitFor(
        () => {
          const labels = new Set(recipientSocket.received.map((e) => labelOf(e.content)));
          for (const label of receivedIds.keys()) labels.add(label);
          return labels.size === TOTAL && recipientSocket.queueEmptyCount === 1;
        },
        30_000,
        'all payloads',
      );
      record(recipientSocket, 0);
      senderSocket.close();
      recipientSocket.close();
    }
  }

  const resent = [...sendCount.values()].filter((count) => count > 1).length;
  const duplicateIds = [...receivedIds.values()].filter((ids) => ids.size > 1).length;
  console.info(
    `${ROUNDS} crashes: ${resent} sends resent, ${receivedTotal - TOTAL} extra deliveries, ${duplicateIds} payloads under two ids`,
  );
  expect(acked.size).toBe(TOTAL);
  for (const [index, id] of acked) {
    const ids = receivedIds.get(`p${index}`);
    expect(ids, `payload ${index} was acknowledged but never delivered`).toBeDefined();
    expect(ids?.has(id), `payload ${index} was not delivered under its acknowledged id`).toBe(true);
    if ((ids?.size ?? 0) > 1) {
      // A second id only for a send whose first acknowledgement was lost in a crash.
      expect(sendCount.get(index), `payload ${index} arrived under two ids without a resend`).toBeGreaterThan(1);
    }
  }
  expect(receivedIds.size).toBe(TOTAL);
  expect(receivedTotal).toBeGreaterThanOrEqual(TOTAL);

  // Everything was acked by the recipient: a fresh connection finds an empty queue.
  const check = await connect(relay, recipient.token, { autoAck: false });
  try {
    await check.waitFor(() => check.queueEmptyCount === 1, 10_000, 'final queue-empty');
    // Acks of the final epoch are asynchronous; whatever is still queued must be a copy already seen.
    for (const envelope of check.received) {
      expect(receivedIds.get(labelOf(envelope.content))?.has(envelope.id)).toBe(true);
    }
  } finally {
    check.close();
  }
});
