/**
 * When the relay answers a send with DEVICE_MISMATCH (the recipient added a
 * device the sender has no session with), the outbox fetches that device's
 * bundle, starts a session through the vault and sends again; the message
 * arrives once. The relay here is real; the mismatch is injected by a proxy,
 * since the vault has one device per account so far.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { assertUnique, directId, introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
import { RelayProxy } from '../support/relay-proxy.js';
import { TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';

let relay: RelayProcess;
let proxy: RelayProxy;
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  proxy = await RelayProxy.start();
  relay = await startRelay({ args: ['--public-url', proxy.url] });
  proxy.target = relay.url;
  [alice, bob] = await Promise.all([TestClient.create('alice', proxy.url), TestClient.create('bob', proxy.url)]);
});

afterAll(async () => {
  await Promise.allSettled([alice?.dispose(), bob?.dispose()]);
  await proxy?.close();
  await relay?.dispose();
});

it('repairs sessions on DEVICE_MISMATCH and sends again', async () => {
  await introduce(alice, bob, 'Bob');
  let injected = 0;
  proxy.hooks.socketAnswer = (args) => {
    const [result] = args as [{ ok?: boolean; envelopeIds?: unknown }];
    // Only the first answer to a send (acks to `ack` carry `deleted`, not envelopeIds).
    if (injected > 0 || result?.ok !== true || result.envelopeIds === undefined) return args;
    injected++;
    return [
      {
        ok: false,
        error: { code: 'DEVICE_MISMATCH', message: 'injected', missingDevices: [1], extraDevices: [] },
      },
    ];
  };
  const startSessions = alice.transport.calls.get('startSessions') ?? 0;
  const message = await alice.engine.sendText(directId(bob), 'through a device mismatch');
  await waitForStates(alice, [message.id], ['delivered']);
  expect(injected).toBe(1);
  expect(alice.transport.calls.get('startSessions')).toBe(startSessions + 1);
  const texts = await waitForTexts(bob, directId(alice), 1);
  // The relay did store the first copy (only its answer was rewritten): Bob still shows it once.
  assertUnique(texts);
  expect(texts.map((m) => m.body)).toEqual(['through a device mismatch']);
  proxy.hooks.socketAnswer = undefined;
});
