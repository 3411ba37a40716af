/**
 * Relay nodes on one PostgreSQL and one Redis (`--redis`): a device connected
 * to one node gets in real time what is sent through another, typing notices
 * included, and each member's part of a multi-recipient upload; a takeover
 * registered on one node ends the old install's connection on another; the
 * send rate limit is one budget across nodes; and with Redis gone, sends are
 * still accepted and delivered (the periodic drain), health says so, and
 * real-time delivery comes back with Redis; a node starts and serves with
 * no Redis reachable at all.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Envelope, routes } from '@parley/crypto-core/wire';
import {
  connect,
  DeviceSocket,
  fetchTrustRoot,
  GroupSender,
  httpOf,
  labelOf,
  openGroupEnvelope,
  payload,
  postMultiRecipient,
  RelayHttp,
  type RelayProcess,
  registerDevice,
  sleep,
  TestDevice,
} from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createLogger } from '../../src/logging.js';
import { startRelay } from '../../src/relay.js';
import { dropTestSchema, newTestSchemaName, TEST_POSTGRES_URL } from '../storage/postgres-harness.js';
import { CuttableTcp, TestCluster } from './cluster-harness.js';

const cluster = new TestCluster({ args: ['--send-rate', '2', '--send-burst', '6'] });
let first: RelayProcess;
let second: RelayProcess;

beforeAll(async () => {
  [first, second] = (await cluster.start(2)) as [RelayProcess, RelayProcess];
});

afterAll(async () => {
  await cluster.dispose();
});

function sendText(socket: DeviceSocket, recipient: string, label: string) {
  return socket.send({ recipient, messages: [{ deviceId: 1, type: 'message', content: payload(label) }] });
}

/** Alice on `from`, Bob on `to`, Bob's first drain done; both sockets closed after `work`. */
async function withPair(
  from: RelayProcess,
  to: RelayProcess,
  work: (aliceSocket: DeviceSocket, bobSocket: DeviceSocket, bobAccount: string) => Promise<void>,
): Promise<void> {
  const alice = await registerDevice(httpOf(from));
  const bob = await registerDevice(httpOf(to));
  const aliceSocket = await connect(from, alice.token);
  const bobSocket = await connect(to, bob.token);
  try {
    await bobSocket.waitFor(() => bobSocket.queueEmptyCount === 1, 5_000, 'bob caught up');
    await work(aliceSocket, bobSocket, bob.device.accountId);
  } finally {
    aliceSocket.close();
    bobSocket.close();
  }
}

describe('relay nodes on PostgreSQL and Redis', () => {
  it('reports Redis under dependencies in the health answer', async () => {
    const health = await httpOf(first).request(routes.health);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      dependencies: { postgres: { status: 'ok' }, redis: { status: 'ok' } },
    });
  });

  it('delivers across nodes in real time, well under a second', async () => {
    await withPair(first, second, async (aliceSocket, bobSocket, bobAccount) => {
      const latencies: number[] = [];
      // Within the send burst (6), one after the other, each timed until bob has it.
      for (let index = 0; index < 5; index++) {
        const started = performance.now();
        expect((await sendText(aliceSocket, bobAccount, `live ${index}`)).ok).toBe(true);
        await bobSocket.waitFor(() => bobSocket.received.length === index + 1, 2_000, `bob receives ${index}`);
        latencies.push(performance.now() - started);
      }
      expect(bobSocket.received.map((envelope) => labelOf(envelope.content))).toEqual(
        [0, 1, 2, 3, 4].map((index) => `live ${index}`),
      );
      // Without the wake-up this would wait for the periodic drain (10 s).
      expect(Math.max(...latencies)).toBeLessThan(1000);
      console.info(`cross-node delivery latency (ms): ${latencies.map((ms) => ms.toFixed(1)).join(', ')}`);
    });
  });

  it('pushes an ephemeral envelope (typing) to a device on another node, and stores it nowhere', async () => {
    await withPair(first, second, async (aliceSocket, bobSocket, bobAccount) => {
      const sent = await aliceSocket.send({
        recipient: bobAccount,
        messages: [{ deviceId: 1, type: 'message', content: payload('typing') }],
        ephemeral: true,
      });
      expect(sent.ok).toBe(true);
      await bobSocket.waitFor(() => bobSocket.received.length === 1, 2_000, 'bob gets the typing notice');
      expect(bobSocket.received[0]?.ephemeral).toBe(true);
      expect(labelOf(bobSocket.received[0]?.content ?? '')).toBe('typing');
    });
  });

  it('wakes members connected to another node for a multi-recipient upload, each opening its own part', async () => {
    const http = httpOf(first);
    const sender = await GroupSender.create(http, await registerDevice(http));
    const members = [await registerDevice(httpOf(second)), await registerDevice(httpOf(second))];
    const addresses = [];
    for (const member of members) addresses.push(...(await sender.startSessions(http, member.device.accountId)));
    await sender.distributeTo(members.map((member) => member.device));
    const sockets = await Promise.all(members.map((member) => connect(second, member.token)));
    try {
      for (const socket of sockets) await socket.waitFor(() => socket.queueEmptyCount === 1, 5_000, 'caught up');
      const started = performance.now();
      const body = GroupSender.request(
        await sender.upload('to the group', addresses),
        members.map((member) => ({ accountId: member.device.accountId })),
      );
      expect((await postMultiRecipient(http, body, sender.member.token)).status).toBe(200);
      const trustRoot = await fetchTrustRoot(http);
      for (const [index, socket] of sockets.entries()) {
        await socket.waitFor(() => socket.received.length === 1, 2_000, 'the member on the other node');
        const opened = await openGroupEnvelope(
          members[index]?.device as TestDevice,
          trustRoot,
          socket.received[0] as Envelope,
        );
        expect(opened.text).toBe('to the group');
      }
      // Without the wake-up this would wait for the periodic drain (10 s).
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      for (const socket of sockets) socket.close();
    }
  });

  it('ends the old install on another node as soon as a new install takes the device over', async () => {
    const original = await registerDevice(httpOf(second));
    const old = await connect(second, original.token);
    try {
      await old.waitFor(() => old.queueEmptyCount === 1, 5_000, 'old install caught up');
      const restored = await TestDevice.create({ identity: original.device.identity });
      const started = performance.now();
      await httpOf(first).register(restored);
      // Told by the other node at once, not at its next send.
      await old.waitFor(() => old.disconnected, 2_000, 'old install disconnected');
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(old.relayErrors.map((error) => error.code)).toEqual(['DEVICE_TAKEN_OVER']);
    } finally {
      old.close();
    }
  });

  it('counts one send budget for an account across nodes', async () => {
    const alice = await registerDevice(httpOf(first));
    const bob = await registerDevice(httpOf(first));
    const onFirst = await connect(first, alice.token);
    const onSecond = await connect(second, alice.token);
    try {
      // Burst 6 at 2/s: 12 sends at once, 6 through each node. Per node this would allow all 12.
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          sendText(index % 2 === 0 ? onFirst : onSecond, bob.device.accountId, `limited ${index}`),
        ),
      );
      const accepted = results.filter((result) => result.ok).length;
      const refused = results.filter((result) => !result.ok);
      // 6 from the burst, at most one more refilled while the sends ran.
      expect(accepted).toBeGreaterThanOrEqual(6);
      expect(accepted).toBeLessThanOrEqual(7);
      expect(refused.every((result) => !result.ok && result.error.code === 'RATE_LIMITED')).toBe(true);
    } finally {
      onFirst.close();
      onSecond.close();
    }
  });
});

describe('relay nodes while Redis is away', () => {
  let proxy: CuttableTcp;
  let nodes: TestCluster;
  let alpha: RelayProcess;
  let beta: RelayProcess;

  beforeAll(async () => {
    proxy = await CuttableTcp.start();
    nodes = new TestCluster({ redisUrl: proxy.url });
    [alpha, beta] = (await nodes.start(2)) as [RelayProcess, RelayProcess];
  });

  afterAll(async () => {
    await nodes?.dispose();
    await proxy?.cut();
  });

  it('accepts sends and delivers them by drain, reports redis failed, and is live again once Redis is back', async () => {
    await withPair(alpha, beta, async (aliceSocket, bobSocket, bobAccount) => {
      await proxy.cut();
      await sleep(200);
      for (const node of [alpha, beta]) {
        const health = await httpOf(node).request(routes.health);
        expect(health.status).toBe(503);
        expect(health.body).toMatchObject({
          status: 'degraded',
          dependencies: { postgres: { status: 'ok' }, redis: { status: 'failed' } },
        });
      }
      const during = ['down 0', 'down 1', 'down 2'];
      for (const label of during) expect((await sendText(aliceSocket, bobAccount, label)).ok).toBe(true);
      // No wake-up can arrive: the node's drain while Redis fails (every second) delivers them.
      await bobSocket.waitFor(() => bobSocket.received.length === 3, 5_000, 'bob receives by drain');
      expect(bobSocket.received.map((envelope) => labelOf(envelope.content))).toEqual(during);

      await proxy.restore();
      await expect.poll(async () => (await httpOf(beta).request(routes.health)).status, { timeout: 10_000 }).toBe(200);
      await expect.poll(async () => (await httpOf(alpha).request(routes.health)).status, { timeout: 10_000 }).toBe(200);
      const started = performance.now();
      expect((await sendText(aliceSocket, bobAccount, 'back')).ok).toBe(true);
      await bobSocket.waitFor(() => bobSocket.received.length === 4, 2_000, 'bob receives live again');
      expect(performance.now() - started).toBeLessThan(1000);
      expect(alpha.running && beta.running).toBe(true);
      const ids = bobSocket.received.map((envelope) => envelope.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(alpha.output).toContain('Redis failed');
    });
  });
  it('a Redis that stops answering (publish and limit timeouts) neither crashes a node nor holds sends', async () => {
    await withPair(alpha, beta, async (aliceSocket, bobSocket, bobAccount) => {
      proxy.stall();
      // The first send meets the stalled Redis (its rate-limit take times out after 1 s, then counts locally).
      const times: number[] = [];
      for (const label of ['stalled 0', 'stalled 1', 'stalled 2']) {
        const started = performance.now();
        expect((await sendText(aliceSocket, bobAccount, label)).ok).toBe(true);
        times.push(performance.now() - started);
      }
      await bobSocket.waitFor(() => bobSocket.received.length === 3, 5_000, 'bob receives by drain');
      const health = await httpOf(alpha).request(routes.health);
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ dependencies: { redis: { status: 'failed' } } });
      // Once Redis is known to fail, sends no longer wait for it.
      expect(times[0]).toBeLessThan(2_500);
      expect(Math.max(...times.slice(1))).toBeLessThan(500);
      proxy.unstall();
      await expect.poll(async () => (await httpOf(alpha).request(routes.health)).status, { timeout: 10_000 }).toBe(200);
      await expect.poll(async () => (await httpOf(beta).request(routes.health)).status, { timeout: 10_000 }).toBe(200);
      expect(alpha.running && beta.running).toBe(true);
      console.info(`send times with Redis stalled (ms): ${times.map((ms) => ms.toFixed(0)).join(', ')}`);
    });
  });
});

describe('a node whose Redis is not there at all', () => {
  it('starts, serves, and reports redis failed', async () => {
    const closed = await CuttableTcp.start();
    const port = closed.port;
    await closed.cut();
    const schema = newTestSchemaName();
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-relay-no-redis-'));
    const config = resolveConfig(
      {
        port: '0',
        dataDir,
        postgresUrl: TEST_POSTGRES_URL,
        postgresSchema: schema,
        redisUrl: `redis://127.0.0.1:${port}`,
        registration: 'open',
      },
      {},
    );
    const relay = await startRelay(config, createLogger('silent'));
    try {
      const http = new RelayHttp(relay.url);
      const health = await http.request(routes.health);
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({
        status: 'degraded',
        dependencies: { postgres: { status: 'ok' }, redis: { status: 'failed' } },
      });
      // Rate limits fall back to the node's own buckets: registration and a send still work.
      const alice = await registerDevice(http);
      const bob = await registerDevice(http);
      const socket = await DeviceSocket.connect(relay.url, alice.token);
      try {
        expect((await sendText(socket, bob.device.accountId, 'no redis')).ok).toBe(true);
      } finally {
        socket.close();
      }
    } finally {
      await relay.close();
      await rm(dataDir, { recursive: true, force: true });
      await dropTestSchema(schema);
    }
  });
});
