/**
 * Conversation features end to end, on a real relay with real vaults:
 * a reply carries its quote, reactions are set, changed and removed, an
 * edit shows on both sides with its history, delete for everyone leaves a
 * tombstone on both sides, the disappearing timer is the same on both sides
 * and each message carries it; everything survives a restart. Only the
 * author may edit or delete, within the window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../src/renderer/engine/errors.js';
import { removeExpired } from '../../src/renderer/engine/message-expiry.js';
import type { MessageView } from '../../src/renderer/engine/queries.js';
import { directId, introduce, waitForStates } from '../support/conversation-helpers.js';
import { TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { waitFor } from '../support/wait.js';

let relay: RelayProcess;
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  relay = await startRelay();
  [alice, bob] = await Promise.all([TestClient.create('alice', relay.url), TestClient.create('bob', relay.url)]);
  await introduce(alice, bob, 'Bob');
  await introduce(bob, alice, 'Alice');
});

afterAll(async () => {
  await Promise.allSettled([alice?.dispose(), bob?.dispose()]);
  await relay?.dispose();
});

/** `client`'s view of message `id` once `check` holds for it. */
function waitForMessage(
  client: TestClient,
  id: string,
  what: string,
  check: (message: MessageView) => boolean,
): Promise<MessageView> {
  return waitFor(`${client.name}: ${what}`, async () => {
    const message = await client.engine.queries.message(id);
    return message !== null && check(message) ? message : null;
  });
}

async function bobReceives(body: string): Promise<string> {
  const sent = await alice.engine.sendText(directId(bob), body);
  await waitForMessage(bob, sent.id, `receives "${body}"`, () => true);
  return sent.id;
}

describe('conversation features between two clients', () => {
  it('a reply shows its quote (author and snippet) on both sides', async () => {
    const original = await bobReceives('Lunch at noon?');
    const reply = await bob.engine.sendText(directId(alice), 'Sure, see you there', original);
    expect(reply.quote).toEqual({ id: original, author: alice.accountId, text: 'Lunch at noon?' });
    const received = await waitForMessage(alice, reply.id, 'receives the reply', () => true);
    expect(received.quote).toEqual({ id: original, author: alice.accountId, text: 'Lunch at noon?' });
    expect(received.body).toBe('Sure, see you there');
  });

  it('reactions: set, changed, removed; counts and who, on both sides', async () => {
    const id = await bobReceives('Holiday photos are up');
    await bob.engine.react(id, '👍');
    await waitForMessage(alice, id, 'sees 👍', (m) => m.reactions.some((r) => r.emoji === '👍'));
    await alice.engine.react(id, '❤️');
    const both = await waitForMessage(bob, id, 'sees both reactions', (m) => m.reactions.length === 2);
    expect(both.reactions).toEqual([
      { emoji: '👍', count: 1, accountIds: [bob.accountId] },
      { emoji: '❤️', count: 1, accountIds: [alice.accountId] },
    ]);
    await bob.engine.react(id, '❤️');
    const changed = await waitForMessage(alice, id, 'sees Bob change to ❤️', (m) => m.reactions[0]?.count === 2);
    expect(changed.reactions).toEqual([{ emoji: '❤️', count: 2, accountIds: [alice.accountId, bob.accountId] }]);
    await bob.engine.react(id, null);
    await waitForMessage(alice, id, 'sees Bob remove his', (m) => m.reactions[0]?.count === 1);
  });

  it('an edit shows on both sides with the edited mark and its history; only the author edits', async () => {
    const id = await bobReceives('See you at 5');
    const edited = await alice.engine.editMessage(id, 'See you at 6');
    expect(edited.body).toBe('See you at 6');
    const seen = await waitForMessage(bob, id, 'sees the edit', (m) => m.body === 'See you at 6');
    expect(seen.edited).toBe(true);
    expect(seen.edits.map((e) => e.body)).toEqual(['See you at 5']);
    const own = await alice.engine.queries.message(id);
    expect(own?.edits.map((e) => e.body)).toEqual(['See you at 5']);
    await expect(bob.engine.editMessage(id, 'hijacked')).rejects.toSatisfy((error) =>
      EngineError.is(error, 'INVALID_MESSAGE'),
    );
  });

  it('delete for everyone leaves "deleted" on both sides; reacting to it afterwards is refused', async () => {
    const id = await bobReceives('wrong chat, sorry');
    await alice.engine.deleteForEveryone(id);
    const gone = await waitForMessage(bob, id, 'sees the tombstone', (m) => m.deleted);
    expect(gone.body).toBeNull();
    expect((await alice.engine.queries.message(id))?.deleted).toBe(true);
    await expect(bob.engine.react(id, '👍')).rejects.toSatisfy((error) => EngineError.is(error, 'INVALID_MESSAGE'));
  });

  it('delete for me removes a message only here', async () => {
    const id = await bobReceives('just for me to forget');
    await bob.engine.deleteForMe(id);
    expect(await bob.engine.queries.message(id)).toBeNull();
    expect((await alice.engine.queries.message(id))?.body).toBe('just for me to forget');
  });

  it('the disappearing timer is agreed in content; each message carries it and disappears on time', async () => {
    await alice.engine.setExpireTimer(directId(bob), 30);
    await waitFor('bob sees the timer', async () =>
      (await bob.engine.queries.conversation(directId(alice)))?.expireTimer === 30 ? true : null,
    );
    const bobLines = (await bob.allMessages(directId(alice))).filter((m) => m.kind === 'timer-change');
    expect(bobLines.map((line) => line.body)).toEqual(['30']);

    const sent = await bob.engine.sendText(directId(alice), 'this will vanish');
    expect(sent.expireTimer).toBe(30);
    expect(sent.expiresAt).toBe(sent.sentAt + 30_000);
    const received = await waitForMessage(alice, sent.id, 'receives the timed message', () => true);
    expect(received.expireTimer).toBe(30);
    expect(received.expiresAt).toBeNull();
    await alice.engine.markRead(directId(bob));
    const read = await waitForMessage(alice, sent.id, 'starts counting', (m) => m.expiresAt !== null);
    await waitForStates(bob, [sent.id], ['read']);

    // 30 s later (the sweep's own clock is not waited for here): gone from both databases.
    await removeExpired(bob.engine.database, sent.sentAt + 30_000);
    await removeExpired(alice.engine.database, (read.expiresAt ?? 0) + 1);
    expect(await bob.engine.queries.message(sent.id)).toBeNull();
    expect(await alice.engine.queries.message(sent.id)).toBeNull();

    await bob.engine.setExpireTimer(directId(alice), 0);
    await waitFor('alice sees the timer off', async () =>
      (await alice.engine.queries.conversation(directId(bob)))?.expireTimer === 0 ? true : null,
    );
  });

  it('everything survives a restart of both clients', async () => {
    const id = await bobReceives('before the restart');
    await bob.engine.react(id, '🎉');
    await alice.engine.editMessage(id, 'before the restart (edited)');
    await waitForMessage(bob, id, 'sees the edit', (m) => m.edited);
    await waitForMessage(alice, id, 'sees the reaction', (m) => m.reactions.length === 1);
    await Promise.all([alice.restart(), bob.restart()]);
    for (const client of [alice, bob]) {
      const message = await client.engine.queries.message(id);
      expect(message?.body).toBe('before the restart (edited)');
      expect(message?.edits.map((e) => e.body)).toEqual(['before the restart']);
      expect(message?.reactions).toEqual([{ emoji: '🎉', count: 1, accountIds: [bob.accountId] }]);
    }
  });
});
