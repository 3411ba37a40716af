/**
 * PostgreSQL really restarted under load (issue 14, fault 5): three relay
 * nodes behind nginx on a PostgreSQL server of this test's own
 * (throwaway-postgres.ts: stopping the machine's server would break the
 * tests running beside this one), two senders streaming to two recipients
 * on other nodes, and mid-stream the server is stopped, left down for a
 * while, and started again:
 *
 * - as a restart does (fast shutdown: sessions ended, clean stop), and
 * - as a crash (immediate shutdown; the start replays the WAL).
 *
 * Counted over each stream: sent, acknowledged, refused, received, lost
 * (acknowledged, never received) and doubled (one label under two ids).
 * Required: lost 0, doubled 0; every send made while the server was down
 * refused with UNAVAILABLE, none acknowledged; and the nodes recover by
 * themselves: health 200 again and new sends acknowledged, no node restarted.
 */
import { routes } from '@parley/crypto-core/wire';
import { RelayHttp, type RelayProcess, registerDevice, sleep } from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BalancedSocket,
  connectApart,
  type StreamResult,
  sendStream,
  tally,
  waitForAll,
} from './balanced-clients.js';
import { type BalancedCluster, healthOf, startBehindNginx } from './cluster-harness.js';
import type { NginxBalancer } from './nginx-balancer.js';
import { type StopMode, ThrowawayPostgres } from './throwaway-postgres.js';

/** How long the server stays down. */
const DOWN_MS = 2_500;
const SEND_INTERVAL_MS = 50;
/** Sends before the stop, and after the start. */
const BEFORE_MS = 1_000;
const AFTER_MS = 2_500;
const PAIRS = 2;

let postgres: ThrowawayPostgres;
let balanced: BalancedCluster;
let nodes: RelayProcess[];
let nginx: NginxBalancer;

beforeAll(async () => {
  postgres = await ThrowawayPostgres.start();
  balanced = await startBehindNginx({ postgresUrl: postgres.url });
  ({ nodes, nginx } = balanced);
});

afterAll(async () => {
  for (const node of nodes ?? []) if (!node.running) console.error(`a node died:\n${node.output.slice(-4000)}`);
  await balanced?.dispose();
  await postgres?.dispose();
});

/** parley_relay_store_transaction_retries_total of a node, by reason. */
async function transactionRetries(node: RelayProcess): Promise<Record<string, number>> {
  const text = await (await fetch(`${node.url}${routes.metrics}`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^parley_relay_store_transaction_retries_total\{reason="(\w+)"\} (\d+)$/gm)) {
    counts[match[1] ?? ''] = Number(match[2]);
  }
  return counts;
}

interface Pair {
  readonly sender: BalancedSocket;
  readonly recipient: BalancedSocket;
  readonly recipientAccountId: string;
}

/** PAIRS senders and recipients, each pair on two different nodes. */
async function connectPairs(): Promise<Pair[]> {
  const http = new RelayHttp(nginx.url);
  const pairs: Pair[] = [];
  // One at a time: connectApart tells nodes apart by their connection counts.
  for (let index = 0; index < PAIRS; index++) {
    const alice = await registerDevice(http);
    const bob = await registerDevice(http);
    pairs.push({ ...(await connectApart(nginx.url, nodes, alice, bob)), recipientAccountId: bob.device.accountId });
  }
  return pairs;
}

/** Date.now() of the restart's steps. */
interface Restart {
  /** The stop returned: the server is down, nothing can commit. */
  stopped: number;
  /** The start began. */
  starting: number;
  /** The start returned: the server accepts connections (after crash recovery, if any). */
  up: number;
}

/** The server stopped (`mode`) at the stream's BEFORE_MS, down for DOWN_MS, started again; when it was down. */
async function streamsThroughRestart(mode: StopMode, prefix: string) {
  const pairs = await connectPairs();
  const count = Math.round((BEFORE_MS + DOWN_MS + AFTER_MS) / SEND_INTERVAL_MS);
  const stopAt = Math.round(BEFORE_MS / SEND_INTERVAL_MS);
  const down: Restart = { stopped: Number.POSITIVE_INFINITY, starting: Number.NaN, up: Number.NaN };
  let healthDuring: { status: number; body: unknown }[] = [];
  let restart: Promise<void> = Promise.resolve();
  const streams = await Promise.all(
    pairs.map((pair, index) =>
      sendStream(pair.sender.socket, pair.recipientAccountId, {
        count,
        intervalMs: SEND_INTERVAL_MS,
        prefix: `${prefix}${index}-`,
        at: (sent) => {
          if (index !== 0 || sent !== stopAt) return;
          restart = (async () => {
            await postgres.stopServer(mode);
            down.stopped = Date.now();
            await sleep(DOWN_MS / 2);
            healthDuring = await Promise.all(nodes.map(healthOf));
            await sleep(Math.max(0, down.stopped + DOWN_MS - Date.now()));
            down.starting = Date.now();
            await postgres.startServer();
            down.up = Date.now();
          })();
        },
      }),
    ),
  );
  await restart;
  return { pairs, count, streams, down, healthDuring };
}

/** Counts one pair's stream and the sends after it, logs them, and checks what must hold. */
function checkPair(label: string, pair: Pair, stream: StreamResult, after: StreamResult, down: Restart) {
  const acknowledged = [...stream.acknowledged, ...after.acknowledged];
  const result = tally(acknowledged, [pair.recipient.socket]);
  const answers = [...stream.answers, ...after.answers].sort((a, b) => a.sentAt - b.sentAt);
  const duringDown = answers.filter((answer) => answer.sentAt >= down.stopped && answer.sentAt < down.starting);
  // The nodes' recovery: the first send made after the server was up that was acknowledged.
  const recovered = answers.find((answer) => answer.sentAt >= down.up && answer.refusal === null);
  // Counted, not required to be 0: a commit that completed just as its connection ended is
  // stored though refused (at least once; the recipient drops a resent copy by message id).
  const refusedButStored = result.distinctReceived - acknowledged.length;
  console.info(
    `${label}: sent ${stream.answers.length + after.answers.length}, acknowledged ${result.acknowledged}, ` +
      `refused ${stream.refusals.length + after.refusals.length} (${[...new Set(stream.refusals)].join(', ')}), ` +
      `sent while down ${duringDown.length} (acknowledged ${duringDown.filter((a) => a.refusal === null).length}), ` +
      `received ${result.distinctReceived}, lost ${result.lost.length}, doubled ${result.doubled}, ` +
      `refused but stored ${refusedButStored}, pushed again ${result.redelivered}; server start took ` +
      `${down.up - down.starting} ms, first acknowledged send ${recovered === undefined ? 'none' : `${recovered.sentAt - down.up} ms`} after it`,
  );
  expect(result.lost).toEqual([]);
  expect(result.doubled).toBe(0);
  // Sends made while the server was down: every one refused, none acknowledged.
  expect(duringDown.length).toBeGreaterThan(DOWN_MS / SEND_INTERVAL_MS / 2);
  expect(duringDown.filter((answer) => answer.refusal !== 'UNAVAILABLE')).toEqual([]);
  expect(stream.refusals.every((code) => code === 'UNAVAILABLE')).toBe(true);
  // Recovered: the same connections send again, acknowledged, and stay so.
  expect(after.refusals).toEqual([]);
  expect(recovered).toBeDefined();
  expect(answers.filter((answer) => answer.sentAt >= (recovered?.sentAt ?? 0) && answer.refusal !== null)).toEqual([]);
}

async function restartMidStream(mode: StopMode, prefix: string): Promise<void> {
  const { pairs, streams, down, healthDuring } = await streamsThroughRestart(mode, prefix);
  // New sends on the same connections, the nodes never restarted.
  const after = await Promise.all(
    pairs.map((pair, index) =>
      sendStream(pair.sender.socket, pair.recipientAccountId, {
        count: 5,
        intervalMs: 100,
        prefix: `${prefix}${index}-after-`,
      }),
    ),
  );
  await Promise.all(
    pairs.map((pair, index) =>
      waitForAll(
        [...(streams[index]?.acknowledged ?? []), ...(after[index]?.acknowledged ?? [])],
        [pair.recipient.socket],
        15_000,
      ),
    ),
  );
  for (const health of healthDuring) {
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ dependencies: { postgres: { status: 'failed' } } });
  }
  pairs.forEach((pair, index) => {
    const stream = streams[index];
    const afterStream = after[index];
    if (stream === undefined || afterStream === undefined) throw new Error('a stream per pair');
    checkPair(`PostgreSQL ${mode} restart, ${DOWN_MS / 1000} s down, pair ${index}`, pair, stream, afterStream, down);
  });
  await expect
    .poll(async () => (await Promise.all(nodes.map(healthOf))).map((h) => h.status), { timeout: 10_000 })
    .toEqual([200, 200, 200]);
  expect(nodes.every((node) => node.running)).toBe(true);
  // No transaction was retried for a deadlock or serialization failure (the store's lock order).
  for (const node of nodes) expect(await transactionRetries(node)).toEqual({ deadlock: 0, serialization_failure: 0 });
  for (const pair of pairs) {
    pair.sender.socket.close();
    pair.recipient.socket.close();
  }
}

describe('three relay nodes behind nginx, their PostgreSQL server restarted mid-stream', () => {
  it('restarted (fast shutdown): sends while down refused, never acknowledged; nodes recover; none lost or doubled', async () => {
    await restartMidStream('fast', 'f');
  });

  it('crashed and started again (immediate shutdown, WAL replay): the same, and nothing acknowledged is lost', async () => {
    await restartMidStream('immediate', 'i');
  });
});
