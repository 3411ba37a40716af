/**
 * The pipelined receive path against a real relay and a real vault: the
 * client is killed while one batch waits before its Dexie commit and the
 * vault has already decrypted the next one (its ratchet moved on, nothing
 * of either batch committed or acked). After the restart the relay
 * redelivers both, the vault answers from its plaintext cache, and every
 * message appears once, in order.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { assertUnique, directId, introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
import { TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { waitFor } from '../support/wait.js';

const COUNT = 250;

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

it('loses nothing when killed with one batch before its commit and the next already decrypted', async () => {
  const conversation = await introduce(alice, bob, 'Bob');
  const before = (await bob.allMessages(directId(alice))).length;
  await bob.engine.stop();
  const sent: string[] = [];
  for (let i = 0; i < COUNT; i++) sent.push((await alice.engine.sendText(conversation, `queued ${i}`)).id);
  await waitForStates(alice, sent, ['sent'], 60_000);

  const decryptedBatches: (readonly string[])[] = [];
  let stuckBefore: readonly string[] = [];
  bob.engine = bob.newEngine({
    faults: {
      afterDecrypt: (envelopeIds) => {
        decryptedBatches.push(envelopeIds);
      },
      beforeReceiveCommit: async (envelopeIds) => {
        if (envelopeIds.length === 0) return;
        stuckBefore = envelopeIds;
        await new Promise<never>(() => {});
      },
    },
  });
  await bob.engine.start();
  await waitFor('a batch stuck before its commit, the next decrypted', () =>
    stuckBefore.length > 0 && decryptedBatches.length >= 2 ? true : null,
  );
  expect(await bob.engine.database.messages.bulkGet(sent)).toEqual(sent.map(() => undefined));

  await bob.restart({ crash: true });
  const texts = await waitForTexts(bob, directId(alice), before + COUNT, 60_000);
  assertUnique(texts);
  expect(texts.slice(before).map((m) => m.id)).toEqual(sent);
  await waitForStates(alice, sent, ['delivered'], 60_000);
});
