/**
 * Faults under load, three relay nodes behind nginx, the nodes reaching Redis
 * and PostgreSQL through TCP pass-throughs the test cuts (dropping every
 * connection and refusing new ones, as a stopped or restarting server would;
 * the machine's servers, which other tests use, are never touched):
 *
 * - Redis away for 30 s mid-stream: every send is still acknowledged
 *   (PostgreSQL is the store of record) and delivered across nodes, by the
 *   drain while Redis is away; health says redis failed, then ok.
 * - PostgreSQL away for 3 s mid-stream: sends in the outage are refused
 *   (never acknowledged), the nodes recover by themselves, and every
 *   acknowledged send is delivered once.
 *
 * Lost and doubled (one label under two ids) are counted over acknowledged
 * sends; both must be 0. A real PostgreSQL server stopped and started under
 * the nodes: postgres-restart.test.ts.
 */
import { RelayHttp, type RelayProcess, registerDevice, sleep } from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_POSTGRES_URL } from '../storage/postgres-harness.js';
import { connectApart, sendStream, tally, waitForAll } from './balanced-clients.js';
import { type BalancedCluster, CuttableTcp, healthOf, startBehindNginx, TEST_REDIS_URL } from './cluster-harness.js';
import type { NginxBalancer } from './nginx-balancer.js';

const REDIS_OUTAGE_MS = Number(process.env.PARLEY_TEST_REDIS_OUTAGE_MS ?? 30_000);
const POSTGRES_OUTAGE_MS = 3_000;
const SEND_INTERVAL_MS = 50;

let redis: CuttableTcp;
let postgres: CuttableTcp;
let balanced: BalancedCluster;
let nodes: RelayProcess[];
let nginx: NginxBalancer;

beforeAll(async () => {
  redis = await CuttableTcp.start(TEST_REDIS_URL);
  postgres = await CuttableTcp.start(TEST_POSTGRES_URL);
  balanced = await startBehindNginx({ redisUrl: redis.url, postgresUrl: postgres.url });
  ({ nodes, nginx } = balanced);
});

afterAll(async () => {
  // A node that died is the failure to explain: its last words.
  for (const node of nodes ?? []) if (!node.running) console.error(`a node died:\n${node.output.slice(-4000)}`);
  await redis?.restore().catch(() => undefined);
  await postgres?.restore().catch(() => undefined);
  await balanced?.dispose();
  await redis?.cut();
  await postgres?.cut();
});

/**
 * A new sender and recipient on two nodes; a stream of sends, 2 s before the
 * outage, `outageMs` of it (`server` cut, every node's health read
 * `healthAfterMs` into it) and 2 s after.
 */
async function streamThroughOutage(server: CuttableTcp, outageMs: number, healthAfterMs: number, prefix: string) {
  const http = new RelayHttp(nginx.url);
  const alice = await registerDevice(http);
  const bob = await registerDevice(http);
  const { sender, recipient } = await connectApart(nginx.url, nodes, alice, bob);
  const count = Math.round((outageMs + 4_000) / SEND_INTERVAL_MS);
  const cutAt = Math.round(2_000 / SEND_INTERVAL_MS);
  let outage: Promise<void> = Promise.resolve();
  let healthDuring: { status: number; body: unknown }[] = [];
  const stream = await sendStream(sender.socket, bob.device.accountId, {
    count,
    intervalMs: SEND_INTERVAL_MS,
    prefix,
    at: (index) => {
      if (index !== cutAt) return;
      outage = (async () => {
        await server.cut();
        await sleep(healthAfterMs);
        healthDuring = await Promise.all(nodes.map(healthOf));
        await sleep(outageMs - healthAfterMs);
        await server.restore();
      })();
    },
  });
  await outage;
  return { sender, recipient, recipientAccountId: bob.device.accountId, count, stream, healthDuring };
}

describe('three relay nodes behind nginx, under faults', () => {
  it('Redis away for 30 s mid-stream: every send acknowledged and delivered, none lost or doubled', async () => {
    const { sender, recipient, count, stream, healthDuring } = await streamThroughOutage(
      redis,
      REDIS_OUTAGE_MS,
      1_000,
      'r',
    );
    await waitForAll(stream.acknowledged, [recipient.socket], 10_000);
    const result = tally(stream.acknowledged, [recipient.socket]);
    console.info(
      `Redis outage ${REDIS_OUTAGE_MS / 1000} s: sent ${count}, acknowledged ${result.acknowledged}, ` +
        `refused ${stream.refusals.length}, received ${result.distinctReceived}, lost ${result.lost.length}, doubled ${result.doubled}`,
    );
    for (const health of healthDuring) {
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ dependencies: { postgres: { status: 'ok' }, redis: { status: 'failed' } } });
    }
    expect(stream.refusals).toEqual([]);
    expect(result.acknowledged).toBe(count);
    expect(result.lost).toEqual([]);
    expect(result.doubled).toBe(0);
    await expect
      .poll(async () => (await Promise.all(nodes.map(healthOf))).map((h) => h.status), { timeout: 10_000 })
      .toEqual([200, 200, 200]);
    expect(nodes.every((node) => node.running)).toBe(true);
    sender.socket.close();
    recipient.socket.close();
  });

  it('PostgreSQL away mid-stream: sends in the outage refused, never acknowledged; nodes recover; none lost or doubled', async () => {
    const { sender, recipient, recipientAccountId, count, stream, healthDuring } = await streamThroughOutage(
      postgres,
      POSTGRES_OUTAGE_MS,
      500,
      'p',
    );
    // The nodes recover by themselves: new sends are acknowledged again.
    const after = await sendStream(sender.socket, recipientAccountId, { count: 5, intervalMs: 100, prefix: 'after' });
    const acknowledged = [...stream.acknowledged, ...after.acknowledged];
    await waitForAll(acknowledged, [recipient.socket], 15_000);
    const result = tally(acknowledged, [recipient.socket]);
    console.info(
      `PostgreSQL outage ${POSTGRES_OUTAGE_MS / 1000} s: sent ${count + 5}, acknowledged ${result.acknowledged}, ` +
        `refused ${stream.refusals.length + after.refusals.length} (${[...new Set(stream.refusals)].join(', ')}), ` +
        `received ${result.distinctReceived}, lost ${result.lost.length}, doubled ${result.doubled}`,
    );
    for (const health of healthDuring) {
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ dependencies: { postgres: { status: 'failed' } } });
    }
    expect(stream.refusals.length).toBeGreaterThan(0);
    expect(stream.refusals.every((code) => code === 'UNAVAILABLE')).toBe(true);
    expect(after.refusals).toEqual([]);
    expect(result.lost).toEqual([]);
    expect(result.doubled).toBe(0);
    // Refused sends were not stored: what arrived is exactly what was acknowledged.
    expect(result.distinctReceived).toBe(acknowledged.length);
    expect(nodes.every((node) => node.running)).toBe(true);
    sender.socket.close();
    recipient.socket.close();
  });
});
