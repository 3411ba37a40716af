/**
 * What contacts learn, on a real relay with real vaults: read marking stops
 * at the newest message the user saw; read receipts off sends none and shows
 * none (a contact's read receipt counts as delivered); typing indicators off
 * sends none and shows none; both choices survive a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PRIVACY } from '../../src/renderer/engine/privacy-settings.js';
import type { TypingState } from '../../src/renderer/engine/typing.js';
import { directId, introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
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

async function unreadCount(client: TestClient, peer: TestClient): Promise<number | undefined> {
  return (await client.engine.queries.conversations()).find((c) => c.id === directId(peer))?.unreadCount;
}

/** Alice sends `texts` and waits until Bob has stored them (and Alice knows they were delivered). */
async function aliceSends(texts: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const text of texts) ids.push((await alice.engine.sendText(directId(bob), text)).id);
  await waitForStates(alice, ids, ['delivered']);
  return ids;
}

/**
 * A message from `from` that `to` has received: `from`'s outbox sends in the
 * order it queued, so anything queued before it (a read receipt) went first.
 */
async function barrier(from: TestClient, to: TestClient, text: string): Promise<void> {
  await from.engine.sendText(directId(to), text);
  await waitFor(`${to.name} receives "${text}"`, async () =>
    (await to.allMessages(directId(from))).some((message) => message.body === text) ? true : null,
  );
}

describe('privacy', () => {
  it('starts with read receipts and typing indicators on', () => {
    expect(bob.engine.privacy.value).toEqual(DEFAULT_PRIVACY);
    expect(DEFAULT_PRIVACY).toEqual({ readReceipts: true, typingIndicators: true });
  });

  it('marks read only through the newest message the user saw, and counts the rest unread', async () => {
    const ids = await aliceSends(['first', 'second', 'third']);
    const texts = await waitForTexts(bob, directId(alice), 3);
    const second = texts.find((message) => message.id === ids[1]);
    expect(await unreadCount(bob, alice)).toBe(3);

    const result = await bob.engine.markRead(directId(alice), second?.position);
    expect(result.messageIds).toEqual(ids.slice(0, 2));
    expect(result.receiptsQueued).toBe(1);
    expect(await unreadCount(bob, alice)).toBe(1);
    await waitForStates(alice, ids.slice(0, 2), ['read']);
    await barrier(bob, alice, 'seen two of three');
    expect((await alice.engine.database.messages.get(ids[2] ?? ''))?.state).toBe('delivered');

    // Scrolled down to it: the third is read too.
    expect((await bob.engine.markRead(directId(alice))).messageIds).toEqual([ids[2]]);
    expect(await unreadCount(bob, alice)).toBe(0);
    await waitForStates(alice, [ids[2] ?? ''], ['read']);
  });

  it('with read receipts off, reads locally but sends no receipt, and shows contacts’ reads as delivered', async () => {
    await bob.engine.privacy.update({ readReceipts: false });
    const [toBob] = await aliceSends(['does Bob read this?']);
    const result = await bob.engine.markRead(directId(alice));
    expect(result.messageIds).toEqual([toBob]);
    expect(result.receiptsQueued).toBe(0);
    expect(await unreadCount(bob, alice)).toBe(0);
    expect((await bob.engine.database.messages.get(toBob ?? ''))?.state).toBe('read');
    await barrier(bob, alice, 'after reading with receipts off');
    expect((await alice.engine.database.messages.get(toBob ?? ''))?.state).toBe('delivered');

    // Alice (receipts on) reads Bob's message and says so; Bob, with receipts off, is not shown it.
    const fromBob = await bob.engine.sendText(directId(alice), 'tell me when you read it');
    await waitForStates(bob, [fromBob.id], ['delivered']);
    await waitForTexts(alice, directId(bob), 3);
    expect((await alice.engine.markRead(directId(bob))).receiptsQueued).toBe(1);
    await barrier(alice, bob, 'Alice read it');
    expect((await bob.engine.database.messages.get(fromBob.id))?.state).toBe('delivered');
  });

  it('with typing indicators off, sends none and shows none', async () => {
    // On: Bob sees Alice typing.
    await alice.engine.setTyping(directId(bob), true);
    await waitFor('bob sees alice typing', () =>
      bob.engine.typing.value.get(directId(alice))?.includes(alice.accountId) === true ? true : null,
    );
    // Bob turns it off: the indicator goes at once, and Alice typing again shows nothing.
    await bob.engine.privacy.update({ typingIndicators: false });
    expect(bob.engine.typing.value.get(directId(alice))).toBeUndefined();
    const seen: TypingState[] = [];
    const unsubscribe = bob.engine.typing.subscribe((state) => seen.push(state));
    await alice.engine.setTyping(directId(bob), false);
    await alice.engine.setTyping(directId(bob), true);
    await barrier(alice, bob, 'typed while Bob hides typing');
    unsubscribe();
    expect(seen.every((state) => state.size === 0)).toBe(true);

    // Bob typing sends nothing at all: no encryption, no envelope.
    const encrypts = bob.transport.calls.get('encrypt') ?? 0;
    await bob.engine.setTyping(directId(alice), true);
    await bob.engine.setTyping(directId(alice), false);
    expect(bob.transport.calls.get('encrypt') ?? 0).toBe(encrypts);
  });

  it('keeps both choices across a restart', async () => {
    await bob.restart();
    expect(bob.engine.privacy.value).toEqual({ readReceipts: false, typingIndicators: false });
    await bob.engine.privacy.update({ readReceipts: true, typingIndicators: true });
    await bob.restart();
    expect(bob.engine.privacy.value).toEqual(DEFAULT_PRIVACY);
  });
});
