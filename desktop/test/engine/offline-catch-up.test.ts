/**
 * An offline client catches up on 1,000 messages: all of them, in the order
 * they were written, each once; and the sender sees them delivered.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { assertUnique, directId, introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
import { TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { waitFor } from '../support/wait.js';

const COUNT = 1000;

let relay: RelayProcess;
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  relay = await startRelay();
  [alice, bob] = await Promise.all([TestClient.create('alice', relay.url), TestClient.create('bob', relay.url)]);
});

afterAll(async () => {
  await Promise.allSettled([alice?.dispose(), bob?.dispose()]);
  await relay?.dispose();
});

it(`delivers ${COUNT} messages queued while the recipient was offline, in order, once each`, async () => {
  const conversation = await introduce(alice, bob, 'Bob');
  await bob.engine.stop();

  const started = Date.now();
  const sent: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const message = await alice.engine.sendText(conversation, `message ${String(i).padStart(4, '0')}`);
    sent.push(message.id);
  }
  await waitForStates(alice, sent, ['sent'], 60_000);
  const sendMs = Date.now() - started;
  await waitFor('outbox empty', () => (alice.engine.connection.value.queuedMessages === 0 ? true : null));

  const catchUp = Date.now();
  bob.engine = bob.newEngine();
  await bob.engine.start();
  await bob.engine.whenDrained();
  const drainMs = Date.now() - catchUp;
  const texts = await waitForTexts(bob, directId(alice), COUNT);

  expect(texts).toHaveLength(COUNT);
  assertUnique(texts);
  expect(texts.map((m) => m.body)).toEqual(sent.map((_, i) => `message ${String(i).padStart(4, '0')}`));
  expect(texts.map((m) => m.id)).toEqual(sent);
  // Alice wrote first: her conversation is a message request on Bob's side.
  const conversationView = (await bob.engine.queries.requests()).find((c) => c.id === directId(alice));
  expect(conversationView?.unreadCount).toBe(COUNT);
  expect(conversationView?.preview).toBe(`message ${String(COUNT - 1).padStart(4, '0')}`);

  // Delivery receipts travel back: every message ends delivered.
  await waitForStates(alice, sent, ['delivered'], 60_000);
  console.info(`offline catch-up: ${COUNT} sent in ${sendMs} ms, drained in ${drainMs} ms`);
});
