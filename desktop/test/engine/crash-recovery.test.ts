/**
 * Crashes of the client, at the two points that matter:
 * - after the vault decrypted a batch and before the engine committed it:
 *   nothing was acked, the relay redelivers, the vault answers from its
 *   plaintext cache, and the message appears once;
 * - with messages in the outbox: unsent ones are sent exactly once after the
 *   restart; one the relay accepted but the engine had not recorded yet is
 *   sent again and the receiver shows it once (same message id).
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { assertUnique, directId, introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
import { acceptedEnvelopes } from '../support/relay-metrics.js';
import { TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { delay, waitFor } from '../support/wait.js';

let relay: RelayProcess;
let alice: TestClient;
let bob: TestClient;
let aliceToBob: string;

/** A promise that never settles: the crashed engine stays stuck where it was. */
const never = new Promise<never>(() => {});

beforeAll(async () => {
  relay = await startRelay();
  [alice, bob] = await Promise.all([TestClient.create('alice', relay.url), TestClient.create('bob', relay.url)]);
  aliceToBob = await introduce(alice, bob, 'Bob');
});

afterAll(async () => {
  await Promise.allSettled([alice?.dispose(), bob?.dispose()]);
  await relay?.dispose();
});

beforeEach(async () => {
  // Each test starts with both engines online and nothing in flight.
  for (const client of [alice, bob]) {
    if (!client.engine.running) {
      client.engine = client.newEngine();
      await client.engine.start();
    }
    await waitFor(`${client.name} online`, () => client.engine.connection.value.state === 'online');
  }
});

it('gets a message again when killed after decrypt and before the commit', async () => {
  let crashedWith: readonly string[] = [];
  await bob.engine.stop();
  bob.engine = bob.newEngine({
    faults: {
      beforeReceiveCommit: async (envelopeIds) => {
        if (envelopeIds.length === 0) return;
        crashedWith = envelopeIds;
        await never;
      },
    },
  });
  await bob.engine.start();

  const sent = [];
  for (const body of ['one', 'two', 'three']) sent.push(await alice.engine.sendText(aliceToBob, body));
  await waitFor('bob decrypted and is about to commit', () => crashedWith.length > 0);
  const stored = await bob.engine.database.messages.bulkGet(sent.map((m) => m.id));
  expect(stored.every((row) => row === undefined)).toBe(true);

  await bob.restart({ crash: true });
  const texts = await waitForTexts(bob, directId(alice), 3);
  assertUnique(texts);
  expect(texts.slice(-3).map((m) => m.body)).toEqual(['one', 'two', 'three']);
  await waitForStates(
    alice,
    sent.map((m) => m.id),
    ['delivered'],
  );
});

it('sends each unsent outbox item exactly once after a crash and restart', async () => {
  const before = (await bob.allMessages(directId(alice))).length;
  await bob.engine.stop();
  await relay.kill();
  await waitFor('alice sees the relay gone', () => alice.engine.connection.value.state !== 'online');
  const sent = [];
  for (let i = 0; i < 20; i++) sent.push(await alice.engine.sendText(aliceToBob, `queued ${i}`));
  await waitFor('status counts the queue', () => (alice.engine.connection.value.queuedMessages === 20 ? true : null));
  alice.engine.abandon();

  await relay.restart();
  expect(await acceptedEnvelopes(relay.url)).toBe(0);
  alice.engine = alice.newEngine();
  await alice.engine.start();
  await waitForStates(
    alice,
    sent.map((m) => m.id),
    ['sent'],
  );
  await delay(300);
  // Bob is offline, so nothing else was sent: exactly one envelope per message.
  expect(await acceptedEnvelopes(relay.url)).toBe(20);

  bob.engine = bob.newEngine();
  await bob.engine.start();
  const texts = await waitForTexts(bob, directId(alice), before + 20);
  assertUnique(texts);
  expect(texts.slice(before).map((m) => m.body)).toEqual(sent.map((_, i) => `queued ${i}`));
});

it('resends a message the relay accepted before the crash, and the receiver shows it once', async () => {
  const before = (await bob.allMessages(directId(alice))).length;
  await bob.engine.stop();
  let acceptedBeforeCrash: readonly string[] = [];
  await alice.engine.stop();
  alice.engine = alice.newEngine({
    faults: {
      beforeSendRecorded: async (messageIds) => {
        acceptedBeforeCrash = messageIds;
        await never;
      },
    },
  });
  await alice.engine.start();
  await waitFor('alice online', () => alice.engine.connection.value.state === 'online');
  const accepted0 = await acceptedEnvelopes(relay.url);

  const sent = [];
  for (let i = 0; i < 5; i++) sent.push(await alice.engine.sendText(aliceToBob, `accepted ${i}`));
  await waitFor('the relay accepted a send', () => acceptedBeforeCrash.length > 0);
  const rows = await alice.engine.database.messages.bulkGet([...acceptedBeforeCrash]);
  expect(rows.every((row) => row?.state === 'sending')).toBe(true);

  await alice.restart({ crash: true });
  await waitForStates(
    alice,
    sent.map((m) => m.id),
    ['sent'],
  );
  await delay(300);
  // The ones accepted before the crash went twice; the rest once.
  expect((await acceptedEnvelopes(relay.url)) - accepted0).toBe(acceptedBeforeCrash.length + sent.length);

  bob.engine = bob.newEngine();
  await bob.engine.start();
  await bob.engine.whenDrained();
  const texts = await waitForTexts(bob, directId(alice), before + 5);
  await delay(300);
  const all = await bob.allMessages(directId(alice));
  assertUnique(all);
  expect(all.slice(before).map((m) => m.body)).toEqual(sent.map((_, i) => `accepted ${i}`));
  expect(texts.length).toBe(before + 5);
  await waitForStates(
    alice,
    sent.map((m) => m.id),
    ['delivered'],
  );
});
