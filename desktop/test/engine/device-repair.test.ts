/**
 * When the relay answers a send with DEVICE_MISMATCH (the recipient added a
 * device the sender has no session with), the outbox fetches that device's
 * bundle, starts a session through the vault and sends again; the message
 * arrives once. The relay here is real; the mismatch is injected by a proxy,
 * since the vault has one device per account so far.
 */
import { expect, it } from 'vitest';
import { assertUnique, directId, introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
import { useProxiedPair } from '../support/proxied-relay.js';

const world = useProxiedPair();

it('repairs sessions on DEVICE_MISMATCH and sends again', async () => {
  const { proxy, alice, bob } = world;
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
