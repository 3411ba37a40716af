/**
 * Two and three clients on a real relay with real vaults: first contact by
 * contact code, conversations both ways, delivery and read receipts, typing,
 * unread counts, the conversation list, liveQuery, and what IndexedDB holds
 * at rest (read raw, below the at-rest layer).
 */
import { Dexie, liveQuery } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationView } from '../../src/renderer/engine/queries.js';
import {
  assertUnique,
  bodies,
  directId,
  introduce,
  waitForStates,
  waitForTexts,
} from '../support/conversation-helpers.js';
import { rawText } from '../support/raw-indexeddb.js';
import { TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { waitFor } from '../support/wait.js';

let relay: RelayProcess;
let alice: TestClient;
let bob: TestClient;
let carol: TestClient;

beforeAll(async () => {
  relay = await startRelay();
  [alice, bob, carol] = await Promise.all([
    TestClient.create('alice', relay.url),
    TestClient.create('bob', relay.url),
    TestClient.create('carol', relay.url),
  ]);
});

afterAll(async () => {
  await Promise.allSettled([alice?.dispose(), bob?.dispose(), carol?.dispose()]);
  await relay?.dispose();
});

describe('two clients', () => {
  it('start a conversation from a contact code, and the other side answers without adding anyone', async () => {
    const aliceToBob = await introduce(alice, bob, 'Bob');
    expect(aliceToBob).toBe(directId(bob));
    const contact = await alice.engine.queries.contact(bob.accountId);
    expect(contact).toMatchObject({
      displayName: 'Bob',
      verified: false,
      origin: 'contact-code',
    });

    const hello = await alice.engine.sendText(aliceToBob, 'Hello Bob 👋');
    expect(hello.state).toBe('sending');
    const [received] = await waitForTexts(bob, directId(alice), 1);
    expect(received).toMatchObject({ id: hello.id, body: 'Hello Bob 👋', direction: 'incoming', state: 'delivered' });
    // Bob never added Alice: she became a contact without a name when she wrote.
    expect(await bob.engine.queries.contact(alice.accountId)).toMatchObject({ displayName: null, origin: 'incoming' });

    const reply = await bob.engine.sendText(directId(alice), 'Hi Alice');
    const texts = await waitForTexts(alice, aliceToBob, 2);
    expect(bodies(texts)).toEqual(['Hello Bob 👋', 'Hi Alice']);
    expect(texts[1]).toMatchObject({ id: reply.id, direction: 'incoming' });
    assertUnique(texts);
  });

  it('moves own messages to delivered, then read, never backwards', async () => {
    const states: string[] = [];
    const off = alice.engine.on('message-state', (change) => {
      if (change.messageId === message.id) states.push(change.state);
    });
    const message = await alice.engine.sendText(directId(bob), 'Did you get this?');
    await waitForStates(alice, [message.id], ['delivered']);
    expect(
      (await bob.engine.queries.conversations()).find((c) => c.id === directId(alice))?.unreadCount,
    ).toBeGreaterThan(0);

    const { messageIds } = await bob.engine.markRead(directId(alice));
    expect(messageIds).toContain(message.id);
    expect((await bob.engine.queries.conversations()).find((c) => c.id === directId(alice))?.unreadCount).toBe(0);
    expect(await bob.engine.queries.firstUnreadPosition(directId(alice))).toBeNull();
    await waitForStates(alice, [message.id], ['read']);
    off();
    expect(states).toEqual(['sent', 'delivered', 'read']);
    // A late delivery receipt for a read message changes nothing.
    await bob.engine.markRead(directId(alice));
    const row = await alice.engine.database.messages.get(message.id);
    expect(row?.state).toBe('read');
  });

  it('shows who is typing, and clears it when they stop or their message arrives', async () => {
    const typingSeen = waitFor('bob sees alice typing', () =>
      bob.engine.typing.value.get(directId(alice))?.includes(alice.accountId) === true ? true : null,
    );
    await alice.engine.setTyping(directId(bob), true);
    await typingSeen;
    await alice.engine.setTyping(directId(bob), false);
    await waitFor('bob sees alice stop', () =>
      bob.engine.typing.value.get(directId(alice)) === undefined ? true : null,
    );

    // Throttled: a burst of keystrokes sends one "started".
    const before = alice.transport.calls.get('encrypt') ?? 0;
    for (let i = 0; i < 10; i++) await alice.engine.setTyping(directId(bob), true);
    expect((alice.transport.calls.get('encrypt') ?? 0) - before).toBe(1);
    await waitFor('bob sees alice typing again', () =>
      bob.engine.typing.value.get(directId(alice))?.includes(alice.accountId) === true ? true : null,
    );
    await alice.engine.sendText(directId(bob), 'done typing');
    await waitFor('message clears the indicator', () =>
      bob.engine.typing.value.get(directId(alice)) === undefined ? true : null,
    );
  });

  it('leaves no name, account id, body, time or flag readable in IndexedDB', async () => {
    const secret = `the eagle lands at ${crypto.randomUUID()}`;
    // A name long enough that random bytes cannot spell it by chance.
    await alice.engine.renameContact(bob.accountId, 'Bob Verylongname');
    await alice.engine.setVerified(bob.accountId, true);
    const sent = await alice.engine.sendText(directId(bob), secret);
    await waitFor('bob stores it', async () =>
      (await bob.allMessages(directId(alice))).some((m) => m.body === secret) ? true : null,
    );
    await waitForStates(alice, [sent.id], ['delivered', 'read']);
    const received = (await bob.allMessages(directId(alice))).find((m) => m.body === secret);
    for (const client of [alice, bob]) {
      // Everything IndexedDB holds for this client, read raw: database names, keys and values.
      const disk = await rawText(client.indexedDB);
      for (const readable of [
        secret,
        'the eagle',
        'Bob Verylongname',
        alice.accountId,
        bob.accountId,
        sent.id,
        String(sent.sentAt).slice(0, 9),
        String(received?.receivedAt ?? 'none').slice(0, 9),
        relay.url,
        'verified',
        'delivered',
      ]) {
        expect(disk, readable).not.toContain(readable);
      }
      // ...yet the engine reads it all back.
      const conversation = (await client.engine.queries.conversations()).find((c) => c.preview?.includes('the eagle'));
      expect(conversation).toBeDefined();
    }
    expect(await alice.engine.queries.contact(bob.accountId)).toMatchObject({
      displayName: 'Bob Verylongname',
      verified: true,
    });
  });
});

describe('three clients', () => {
  it('each pair talks, and the conversation list follows activity', async () => {
    await introduce(carol, alice, 'Alice');
    await introduce(carol, bob, 'Bob');
    await carol.engine.sendText(directId(alice), 'Carol to Alice');
    await carol.engine.sendText(directId(bob), 'Carol to Bob');
    await waitForTexts(alice, directId(carol), 1);
    await waitForTexts(bob, directId(carol), 1);
    await bob.engine.sendText(directId(carol), 'Bob to Carol');
    await alice.engine.sendText(directId(carol), 'Alice to Carol');
    const atCarol = await waitForTexts(carol, directId(alice), 2);
    expect(bodies(atCarol)).toEqual(['Carol to Alice', 'Alice to Carol']);
    expect(bodies(await waitForTexts(carol, directId(bob), 2))).toEqual(['Carol to Bob', 'Bob to Carol']);

    const list = await carol.engine.queries.conversations();
    expect(list.map((c) => c.id)).toEqual([directId(alice), directId(bob)]);
    expect(list[0]).toMatchObject({ name: 'Alice', preview: 'Alice to Carol', kind: 'direct' });
  });

  it('drives liveQuery: the conversation list updates when a message arrives', async () => {
    // liveQuery runs only where a global IndexedDB exists (a browser); Node has none, so lend it one.
    Dexie.dependencies.indexedDB ??= new IDBFactory();
    Dexie.dependencies.IDBKeyRange ??= IDBKeyRange;
    const seen: ConversationView[][] = [];
    const subscription = liveQuery(() => carol.engine.queries.conversations()).subscribe({
      next: (value) => seen.push(value),
    });
    try {
      await waitFor('first emission', () => seen.length > 0);
      await bob.engine.sendText(directId(carol), 'bump Bob to the top');
      const updated = await waitFor('list reordered', () => {
        const latest = seen.at(-1);
        return latest?.[0]?.id === directId(bob) && latest[0].preview === 'bump Bob to the top' ? latest : null;
      });
      expect(updated[0]?.unreadCount).toBeGreaterThan(0);
    } finally {
      subscription.unsubscribe();
    }
  });
});
