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
import { RelayHttp, type RelayProcess, registerDevice } from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectApart, reconnect, sendStream, tally, waitForAll } from './balanced-clients.js';
import { type BalancedCluster, startBehindNginx } from './cluster-harness.js';
import type { NginxBalancer } from './nginx-balancer.js';

const MESSAGES = 300;
const KILL_AFTER = 100;
const SEND_INTERVAL_MS = 10;

let balanced: BalancedCluster;
let nodes: RelayProcess[];
let nginx: NginxBalancer;

beforeAll(async () => {
  balanced = await startBehindNginx();
  ({ nodes, nginx } = balanced);
});

afterAll(async () => {
  await balanced?.dispose();
});

describe('three relay nodes behind nginx', () => {
  it('keeps delivering through a kill -9 of the recipient node: nothing acknowledged lost or doubled', async () => {
    const http = new RelayHttp(nginx.url);
    const alice = await registerDevice(http);
    const bob = await registerDevice(http);
    const { sender, recipient } = await connectApart(nginx.url, nodes, alice, bob);
    const bobSockets = [recipient.socket];
    const killed = nodes[recipient.node] as RelayProcess;

    let failover: Promise<void> = Promise.resolve();
    const { acknowledged, refusals } = await sendStream(sender.socket, bob.device.accountId, {
      count: MESSAGES,
      intervalMs: SEND_INTERVAL_MS,
      prefix: 'm',
      at: (index) => {
        if (index !== KILL_AFTER) return;
        // The sends go on while bob's node dies and bob finds another.
        failover = (async () => {
          await killed.kill();
          await recipient.socket.waitFor(() => recipient.socket.disconnected, 5_000, 'bob sees its node die');
          bobSockets.push(await reconnect(nginx.url, bob.token));
        })();
      },
    });
    await failover;
    expect(bobSockets).toHaveLength(2);
    await waitForAll(acknowledged, bobSockets, 15_000);

    const result = tally(acknowledged, bobSockets);
    console.info(
      `nginx failover: sent ${MESSAGES}, acknowledged ${result.acknowledged}, refused ${refusals.length}, ` +
        `received ${result.distinctReceived} distinct, ${result.redelivered} redelivered by id, ` +
        `lost ${result.lost.length}, doubled ${result.doubled}`,
    );
    expect(refusals).toEqual([]);
    expect(result.acknowledged).toBe(MESSAGES);
    expect(result.lost).toEqual([]);
    expect(result.doubled).toBe(0);
    // The sender's node lived; the recipient now sits on the third.
    expect(nodes[sender.node]?.running).toBe(true);
    expect(killed.running).toBe(false);
    sender.socket.close();
    for (const socket of bobSockets) socket.close();
  });
});
