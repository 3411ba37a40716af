/**
 * A contact's relay goes down mid-conversation (docs/protocol.md §4.6): Alice
 * (relay A) writes to Bob (relay B) while B is stopped. Her texts to Bob wait,
 * neither failed nor charged an attempt, while her text to Carol (relay A)
 * goes at once, and her status names relay B and Bob. B restarts on the same
 * data folder and port: every text arrives exactly once, in order, and the
 * status clears.
 *
 * Needs per-relay trust roots (wip/trust) or the shared-root bridge in
 * relay-pair.ts: Bob's vault must accept Alice's certificate from relay A.
 */
import { expect, it } from 'vitest';
import type { ConnectionStatus } from '../../src/renderer/engine/index.js';
import { assertUnique, bodies, introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
import { registeredClient, useRelayPair } from '../support/relay-pair.js';
import type { TestClient } from '../support/test-client.js';
import { delay as sleep, waitFor } from '../support/wait.js';

const relays = useRelayPair('cross-relay-outage');

function client(name: string, relayUrl: string): Promise<TestClient> {
  return registeredClient(relays, name, relayUrl);
}

function status(who: TestClient): ConnectionStatus {
  return who.engine.connection.value;
}

it('holds texts for a contact relay that is down, uncounted, keeps other relays flowing, names it, and delivers once in order when back', async () => {
  const alice = await client('alice', relays.a.url);
  const carol = await client('carol', relays.a.url);
  const bob = await client('bob', relays.b.url);
  const aliceToBob = await introduce(alice, bob, 'Bob');
  const bobToAlice = await introduce(bob, alice, 'Alice');
  const aliceToCarol = await introduce(alice, carol, 'Carol');
  const carolToAlice = await introduce(carol, alice, 'Alice');
  const before = await alice.engine.sendText(aliceToBob, 'before');
  await waitForStates(alice, [before.id], ['delivered', 'read']);

  await relays.b.stop();
  const whileDown = [];
  for (const body of ['down 1', 'down 2', 'down 3']) whileDown.push(await alice.engine.sendText(aliceToBob, body));
  const toCarol = await alice.engine.sendText(aliceToCarol, 'carol meanwhile');
  expect(bodies(await waitForTexts(carol, carolToAlice, 1))).toEqual(['carol meanwhile']);
  await waitForStates(alice, [toCarol.id], ['delivered', 'read']);

  const host = new URL(relays.b.url).host;
  await waitFor('alice status names relay B and Bob', () => {
    const down = status(alice).unreachableRelays;
    return down.length === 1 && down[0]?.host === host && down[0].waitingFor.some((c) => c.displayName === 'Bob')
      ? true
      : null;
  });
  // Several probes fail meanwhile (the probe backoff tops out at 800 ms here).
  await sleep(2500);
  const waiting = await alice.engine.database.outbox.where('recipient').equals(bob.accountId).toArray();
  expect(waiting.filter((item) => item.kind === 'text')).toHaveLength(3);
  expect(waiting.every((item) => item.attempts === 0 && (item.lastError ?? '') !== '')).toBe(true);
  const states = await alice.engine.database.messages.bulkGet(whileDown.map((m) => m.id));
  expect(states.map((m) => m?.state)).toEqual(['sending', 'sending', 'sending']);
  expect(status(alice).state).toBe('online');

  await relays.b.restart();
  const received = await waitForTexts(bob, bobToAlice, 4, 30_000);
  await waitForStates(
    alice,
    whileDown.map((m) => m.id),
    ['delivered', 'read'],
  );
  await waitFor('alice status clears', () => (status(alice).unreachableRelays.length === 0 ? true : null));
  await sleep(500);
  const final = await bob.allMessages(bobToAlice);
  assertUnique(final);
  expect(bodies(final)).toEqual(['before', 'down 1', 'down 2', 'down 3']);
  expect(bodies(received)).toEqual(['before', 'down 1', 'down 2', 'down 3']);
});
