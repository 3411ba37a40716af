/**
 * A profile can arrive after the texts it preceded in the sender's outbox
 * (it was retried with backoff while they went). Until it comes, the
 * receiver holds no key for someone who wrote first, and its delivery
 * receipts are refused (ACCESS_DENIED) by the sender's relay: they must wait
 * for the profile, not fail, so the texts still end as delivered. The
 * receiver sends delivery receipts to a message request, as Signal does,
 * but not its own profile: that waits for the user to accept.
 */
import { expect, it } from 'vitest';
import { directId, introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
import { useRelayWorld } from '../support/relay-world.js';
import { TestClient } from '../support/test-client.js';
import { waitFor } from '../support/wait.js';

const world = useRelayWorld('access-keys-late-profile');

it('receipts to a first-time writer wait for their profile instead of failing', async () => {
  const alice = await TestClient.create('alice', world.relay.url);
  const bob = await TestClient.create('bob', world.relay.url);
  world.clients.push(alice, bob);
  const aliceToBob = await introduce(alice, bob, 'Bob');
  const first = await alice.engine.sendText(aliceToBob, 'hello');
  await waitForStates(alice, [first.id], ['delivered']);
  await waitFor('alice registered her keys', async () =>
    (await alice.engine.database.getSetting('accessKeysRegistered')) !== undefined ? true : null,
  );

  // Bob as he is before Alice's profile came: a contact who wrote first, without her key.
  const bobsAlice = await bob.engine.database.contacts.get(alice.accountId);
  expect(bobsAlice?.origin).toBe('incoming');
  const aliceKey = bobsAlice?.accessKey ?? null;
  expect(aliceKey).not.toBeNull();
  await bob.engine.database.contacts.update(alice.accountId, { accessKey: null });

  const sent = await alice.engine.sendText(aliceToBob, 'two');
  await waitForTexts(bob, directId(alice), 2);
  await waitFor('a receipt of bob was refused and kept for another try', async () =>
    (await bob.engine.database.outbox.filter((item) => item.kind === 'receipt' && item.attempts > 0).count()) > 0
      ? true
      : null,
  );
  expect((await bob.engine.database.contacts.get(alice.accountId))?.accessDeniedAt ?? null).toBeNull();
  expect((await bob.engine.database.contacts.get(alice.accountId))?.status).toBe('request');
  expect(await bob.engine.database.outbox.filter((item) => item.kind === 'profile').count()).toBe(0);

  // Her profile comes: the retried receipt carries her key and gets through.
  await bob.engine.database.contacts.update(alice.accountId, { accessKey: aliceKey });
  await waitForStates(alice, [sent.id], ['delivered']);
});
