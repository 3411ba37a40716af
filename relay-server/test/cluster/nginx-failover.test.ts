/**
 * Three relay nodes on PostgreSQL and Redis behind nginx (round robin, no
 * sticky sessions), every client connecting through nginx only. A sender and
 * a recipient on different nodes exchange a stream of envelopes; mid-stream
 * the recipient's node is killed with SIGKILL. The recipient reconnects
 * through nginx, which gives it another node, and drains. Every envelope whose
 * send was acknowledged arrives; none arrives twice under two ids (the same id
 * again, an envelope pushed but not acknowledged before the kill, is dropped
 * by id as every client does).
 */
import { routes } from '@parley/crypto-core/wire';
import {
  DeviceSocket,
  labelOf,
  payload,
  RelayHttp,
  type RelayProcess,
  registerDevice,
  sleep,
} from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from './cluster-harness.js';
import { freePort, NginxBalancer } from './nginx-balancer.js';

const MESSAGES = 300;
const KILL_AFTER = 100;
const SEND_INTERVAL_MS = 10;

let cluster: TestCluster;
let nodes: RelayProcess[];
let nginx: NginxBalancer;
let http: RelayHttp;

beforeAll(async () => {
  const port = await freePort();
  // Login signatures name the URL clients use: nginx's.
  cluster = new TestCluster({ args: ['--public-url', `http://127.0.0.1:${port}`, '--send-burst', '1000'] });
  nodes = await cluster.start(3);
  nginx = await NginxBalancer.start(
    port,
    nodes.map((node) => node.url),
  );
  http = new RelayHttp(nginx.url);
});

afterAll(async () => {
  await nginx?.dispose();
  await cluster?.dispose();
});

/** The node holding the one open connection that `before` did not count. */
async function connectionCounts(): Promise<number[]> {
  return Promise.all(
    nodes.map(async (node) => {
      if (!node.running) return 0;
      const text = await (await fetch(`${node.url}${routes.metrics}`)).text();
      const line = text.split('\n').find((row) => row.startsWith('parley_relay_connections '));
      return Number(line?.split(' ')[1] ?? 0);
    }),
  );
}

/** Connects through nginx and says which node took the connection. */
async function connectThroughNginx(token: string): Promise<{ socket: DeviceSocket; node: number }> {
  const before = await connectionCounts();
  const socket = await DeviceSocket.connect(nginx.url, token);
  const after = await connectionCounts();
  const node = after.findIndex((count, index) => count > (before[index] ?? 0));
  return { socket, node };
}

/** As a client does after a dropped connection: retry through nginx, a bounded number of times. */
async function reconnect(token: string): Promise<DeviceSocket> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      return await DeviceSocket.connect(nginx.url, token);
    } catch (error) {
      lastError = error;
      await sleep(100);
    }
  }
  throw lastError;
}

describe('three relay nodes behind nginx', () => {
  it('spreads clients over the nodes and keeps delivering through a kill -9 of the recipient node', async () => {
    const alice = await registerDevice(http);
    const bob = await registerDevice(http);
    const sender = await connectThroughNginx(alice.token);
    let recipient = await connectThroughNginx(bob.token);
    // Round robin gives consecutive connections different nodes; the test needs that, and checks it.
    for (let attempt = 0; attempt < 5 && recipient.node === sender.node; attempt++) {
      recipient.socket.close();
      recipient = await connectThroughNginx(bob.token);
    }
    expect(sender.node).toBeGreaterThanOrEqual(0);
    expect(recipient.node).toBeGreaterThanOrEqual(0);
    expect(recipient.node).not.toBe(sender.node);

    // Bob's connections, before and after the kill: what each received, in order.
    const bobSockets = [recipient.socket];
    const received = () =>
      bobSockets.flatMap((socket) =>
        socket.received.map((envelope) => ({ id: envelope.id, label: labelOf(envelope.content) })),
      );

    const acknowledged: string[] = [];
    let refused = 0;
    let bobSocket = recipient.socket;
    const killed = nodes[recipient.node] as RelayProcess;
    const sends: Promise<void>[] = [];
    let failover: Promise<void> = Promise.resolve();
    for (let index = 0; index < MESSAGES; index++) {
      const label = `m${index}`;
      sends.push(
        sender.socket
          .send({
            recipient: bob.device.accountId,
            messages: [{ deviceId: 1, type: 'message', content: payload(label) }],
          })
          .then((result) => {
            if (result.ok) acknowledged.push(label);
            else refused++;
          }),
      );
      if (index === KILL_AFTER) {
        // The sends go on while bob's node dies and bob finds another.
        failover = (async () => {
          await killed.kill();
          await bobSocket.waitFor(() => bobSocket.disconnected, 5_000, 'bob sees its node die');
          bobSocket = await reconnect(bob.token);
          bobSockets.push(bobSocket);
        })();
      }
      await sleep(SEND_INTERVAL_MS);
    }
    await Promise.all(sends);
    await failover;
    expect(bobSockets).toHaveLength(2);

    const ackedSet = new Set(acknowledged);
    await bobSocket.waitFor(
      () => new Set(received().map((entry) => entry.label)).size >= ackedSet.size,
      15_000,
      'bob has every acknowledged envelope',
    );
    const all = received();
    const receivedLabels = new Set(all.map((entry) => entry.label));
    const lost = acknowledged.filter((label) => !receivedLabels.has(label));
    const idsByLabel = new Map<string, Set<string>>();
    for (const entry of all) {
      const ids = idsByLabel.get(entry.label) ?? new Set();
      ids.add(entry.id);
      idsByLabel.set(entry.label, ids);
    }
    const doubled = [...idsByLabel.values()].filter((ids) => ids.size > 1).length;
    const redelivered = all.length - new Set(all.map((entry) => entry.id)).size;
    console.info(
      `nginx failover: sent ${MESSAGES}, acknowledged ${acknowledged.length}, refused ${refused}, ` +
        `received ${receivedLabels.size} distinct (${all.length} pushes, ${redelivered} redelivered by id), ` +
        `lost ${lost.length}, doubled ${doubled}`,
    );
    expect(refused).toBe(0);
    expect(acknowledged).toHaveLength(MESSAGES);
    expect(lost).toEqual([]);
    expect(doubled).toBe(0);
    // The sender's node lived; the recipient now sits on a third node.
    expect(nodes[sender.node]?.running).toBe(true);
    expect(killed.running).toBe(false);
    sender.socket.close();
    bobSocket.close();
  });
});
