/**
 * Machines whose clocks are a day off still send and receive sealed messages
 * through a real relay: the sender certificate is judged by the relay's clock
 * (its `serverTime`), in the engine and in the vault, and a received one at
 * the envelope's server timestamp. Both engine and vault get the wrong clock.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { directId, introduce, waitForStates } from '../support/conversation-helpers.js';
import { RelayProxy } from '../support/relay-proxy.js';
import { TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { waitFor } from '../support/wait.js';

const DAY = 24 * 60 * 60 * 1000;

let relay: RelayProcess;
/** Only watches: which envelope types reach the clients, how often certificates are fetched. */
let proxy: RelayProxy;
let ahead: TestClient;
let behind: TestClient;
const envelopeTypes: string[] = [];
let certificateFetches = 0;

beforeAll(async () => {
  proxy = await RelayProxy.start();
  relay = await startRelay({ args: ['--public-url', proxy.url] });
  proxy.target = relay.url;
  proxy.hooks = {
    socketEvent: (event, args) => {
      if (event === 'envelopes')
        for (const batch of args as Array<Array<{ type: string }>>) {
          for (const envelope of batch) envelopeTypes.push(envelope.type);
        }
      return args;
    },
    httpResponse: (path, body) => {
      if (path === '/v1/certificate') certificateFetches++;
      return body;
    },
  };
  [ahead, behind] = await Promise.all([
    TestClient.create('ahead', proxy.url, {}, { clockSkewMs: DAY + 60_000 }),
    TestClient.create('behind', proxy.url, {}, { clockSkewMs: -DAY }),
  ]);
});

afterAll(async () => {
  await Promise.allSettled([ahead?.dispose(), behind?.dispose()]);
  await proxy?.close();
  await relay?.dispose();
});

/** The texts `client` received from `peer` once there are `count` (sent ones are in the history too). */
function received(client: TestClient, peer: TestClient, count: number) {
  return waitFor(`${client.name}: ${count} texts from ${peer.name}`, async () => {
    const texts = (await client.allMessages(directId(peer))).filter(
      (m) => m.kind === 'text' && m.direction === 'incoming',
    );
    return texts.length >= count ? texts.map((m) => m.body) : null;
  });
}

it('sends and receives sealed with clocks a day ahead and a day behind', async () => {
  await introduce(ahead, behind, 'Behind');
  const first = await ahead.engine.sendText(directId(behind), 'from a day ahead');
  expect(await received(behind, ahead, 1)).toEqual(['from a day ahead']);
  await behind.engine.sendText(directId(ahead), 'from a day behind');
  expect(await received(ahead, behind, 1)).toEqual(['from a day behind']);
  for (let i = 0; i < 5; i++) await ahead.engine.sendText(directId(behind), `more ${i}`);
  expect(await received(behind, ahead, 6)).toHaveLength(6);
  await waitForStates(ahead, [first.id], ['delivered', 'read']);

  // Every envelope went sealed (receipts included), and a certificate was not fetched for every send.
  expect(envelopeTypes.length).toBeGreaterThanOrEqual(8);
  expect(new Set(envelopeTypes)).toEqual(new Set(['sealed']));
  expect(certificateFetches).toBeLessThanOrEqual(4);
});
