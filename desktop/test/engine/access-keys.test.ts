/**
 * Access keys on a real relay (docs/protocol.md §4.7, engine README "Access
 * keys"): the keys made with the identity and registered after onboarding,
 * the contact code that carries the code key, the profile exchange that
 * hands each side the other's contact key (the one who was written to only
 * once they accept the request), the clear failure when a contact
 * refuses the key we hold, "Reset contact code", and a backup that keeps the
 * keys and the code.
 */
import { generateBackupPassphrase } from '@parley/crypto-core';
import { fromBase64, toBase64 } from '@parley/crypto-core/encoding';
import { formatContactCode, parseContactCode } from '@parley/crypto-core/wire';
import { IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createVaultClient } from '../../src/common/invoke.js';
import { restoreBackup, uploadBackup } from '../../src/renderer/engine/backup/backup-restore.js';
import type { EngineDatabase } from '../../src/renderer/engine/database.js';
import { directId, introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
import { engineFailure } from '../support/engine-failure.js';
import { useRelayWorld } from '../support/relay-world.js';
import { type EngineOverrides, TestClient } from '../support/test-client.js';
import { waitFor } from '../support/wait.js';

const world = useRelayWorld('access-keys');

async function client(name: string, overrides: EngineOverrides = {}): Promise<TestClient> {
  const made = await TestClient.create(name, world.relay.url, overrides);
  world.clients.push(made);
  return made;
}

async function ownKeys(db: EngineDatabase) {
  const keys = await db.getSetting('accessKeys');
  if (keys === undefined) throw new Error('no access keys stored');
  return keys;
}

/** Waits until the relay confirmed the client's current keys. */
function registered(who: TestClient) {
  return waitFor(`${who.name}: access keys registered`, async () => {
    const db = who.engine.database;
    const [keys, confirmed] = await Promise.all([db.getSetting('accessKeys'), db.getSetting('accessKeysRegistered')]);
    return keys !== undefined && JSON.stringify(keys) === JSON.stringify(confirmed) ? keys : null;
  });
}

function contactKey(who: TestClient, peer: TestClient) {
  return who.engine.database.contacts.get(peer.accountId).then((contact) => contact?.accessKey ?? null);
}

describe('access keys', () => {
  it('are made with the identity, registered, and put the code key in the contact code', async () => {
    const alice = await client('alice');
    const keys = await registered(alice);
    expect(fromBase64(keys.codeKey)).toHaveLength(16);
    expect(fromBase64(keys.contactKey)).toHaveLength(16);
    expect(keys.codeKey).not.toBe(keys.contactKey);
    const code = parseContactCode(alice.contactCode);
    expect(code.accountId).toBe(alice.accountId);
    expect(code.relayUrl).toBe(world.relay.url);
    expect(toBase64(code.accessKey ?? new Uint8Array())).toBe(keys.codeKey);
    expect(await alice.engine.contactCode()).toBe(alice.contactCode);

    // A third account holding only a code from before access keys is refused by the relay.
    const carol = await client('carol');
    const keyless = formatContactCode({ accountId: alice.accountId, relayUrl: world.relay.url });
    expect((await engineFailure(carol.engine.addContact(keyless, 'Alice'))).code).toBe('ACCESS_DENIED');
    expect(await carol.engine.database.contacts.get(alice.accountId)).toBeUndefined();
  });

  it('sends with the key from the code, exchanges contact keys in profiles, and lets the second party reply', async () => {
    const [alice, bob] = [await client('alice2'), await client('bob2')];
    const [aliceKeys, bobKeys] = [await registered(alice), await registered(bob)];
    await introduce(bob, alice, 'Alice');
    expect(await contactKey(bob, alice)).toBe(aliceKeys.codeKey);
    await bob.engine.sendText(directId(alice), 'hello alice');
    await waitForTexts(alice, directId(bob), 1);
    // Bob's profile went before his text: Alice holds his contact key. He is a message request:
    // her contact key goes to him only when she accepts.
    expect(await contactKey(alice, bob)).toBe(bobKeys.contactKey);
    const request = await alice.engine.database.contacts.get(bob.accountId);
    expect([request?.origin, request?.status]).toEqual(['incoming', 'request']);
    await alice.engine.whenIdle();
    expect(await alice.engine.database.outbox.filter((item) => item.kind === 'profile').count()).toBe(0);
    expect(await contactKey(bob, alice)).toBe(aliceKeys.codeKey);
    await alice.engine.acceptRequest(bob.accountId);
    await waitFor('bob holds alice contact key', async () =>
      (await contactKey(bob, alice)) === aliceKeys.contactKey ? true : null,
    );
    const reply = await alice.engine.sendText(directId(bob), 'hello bob');
    await waitForTexts(bob, directId(alice), 1);
    await waitForStates(alice, [reply.id], ['delivered', 'read']);
    // Typing presents the key too (the relay refuses ephemeral sends without one).
    await alice.engine.setTyping(directId(bob), true);
    await waitFor('bob sees alice typing', () =>
      (bob.engine.typing.value.get(directId(alice)) ?? []).includes(alice.accountId) ? true : null,
    );
  });

  it('fails a message clearly, without retrying, when the contact refuses the key we hold', async () => {
    const [alice, dave] = [await client('alice3'), await client('dave3')];
    const aliceKeys = await registered(alice);
    await introduce(dave, alice, 'Alice');
    await waitFor('dave writes to alice as a request', async () =>
      (await alice.engine.database.contacts.get(dave.accountId))?.status === 'request' ? true : null,
    );
    await alice.engine.acceptRequest(dave.accountId);
    // The profile exchange is over (Alice accepted Dave and sent hers): nothing replaces the key below.
    await waitFor('dave holds alice contact key', async () =>
      (await contactKey(dave, alice)) === aliceKeys.contactKey ? true : null,
    );
    const denied = new Promise<string>((resolve) => dave.engine.on('access-denied', (e) => resolve(e.accountId)));
    for (const held of [toBase64(new Uint8Array(16).fill(7)), null]) {
      // A key Alice never registered (a code she reset), then none (a code from before access keys).
      await dave.engine.database.contacts.update(alice.accountId, { accessKey: held, accessDeniedAt: null });
      const message = await dave.engine.sendText(directId(alice), `through ${held ?? 'no key'}`);
      await waitForStates(dave, [message.id], ['failed']);
      const contact = await dave.engine.database.contacts.get(alice.accountId);
      expect(contact?.accessDeniedAt).toEqual(expect.any(Number));
      expect(await dave.engine.database.outbox.count()).toBe(0);
      const view = await dave.engine.queries.conversation(directId(alice));
      expect(view?.contact?.accessDenied).toBe(true);
    }
    expect(await denied).toBe(alice.accountId);
    expect(await alice.allMessages(directId(dave))).toEqual([]);

    // Her current code makes Dave's messages go through again.
    await dave.engine.addContact(alice.contactCode);
    expect((await dave.engine.queries.conversation(directId(alice)))?.contact?.accessDenied).toBe(false);
    await dave.engine.sendText(directId(alice), 'with the current code');
    const received = await waitForTexts(alice, directId(dave), 1);
    expect(received.map((m) => m.body)).toEqual(['with the current code']);
  });

  it('resets the contact code: the old code is refused to strangers, contacts still get through', async () => {
    const [alice, bob, erin] = [await client('alice4'), await client('bob4'), await client('erin4')];
    const before = await registered(alice);
    await introduce(bob, alice, 'Alice');
    await bob.engine.sendText(directId(alice), 'before the reset');
    await waitForTexts(alice, directId(bob), 1);
    await alice.engine.acceptRequest(bob.accountId);
    await waitFor('bob holds alice contact key', async () =>
      (await contactKey(bob, alice)) === before.contactKey ? true : null,
    );
    const oldCode = alice.contactCode;

    const newCode = await alice.engine.resetContactCode();
    expect(newCode).not.toBe(oldCode);
    expect(alice.contactCode).toBe(newCode);
    expect(await alice.engine.contactCode()).toBe(newCode);
    const after = await ownKeys(alice.engine.database);
    expect(after.contactKey).toBe(before.contactKey);
    expect(after.codeKey).not.toBe(before.codeKey);
    expect(await alice.engine.database.getSetting('accessKeysRegistered')).toEqual(after);

    expect((await engineFailure(erin.engine.addContact(oldCode, 'Alice'))).code).toBe('ACCESS_DENIED');
    await bob.engine.sendText(directId(alice), 'after the reset');
    await waitForTexts(alice, directId(bob), 2);
    await erin.engine.addContact(newCode, 'Alice');
    await erin.engine.sendText(directId(alice), 'with the new code');
    await waitForTexts(alice, directId(erin), 1);
  });

  it('keeps the old code when the relay does not take the new key', async () => {
    let unreachable = false;
    const alice = await client('alice5', {
      fetch: (input, init) =>
        unreachable && input.includes('/access-keys')
          ? Promise.reject(new TypeError('fetch failed'))
          : globalThis.fetch(input, init),
    });
    const before = await registered(alice);
    const code = alice.contactCode;
    unreachable = true;
    expect((await engineFailure(alice.engine.resetContactCode())).code).toBe('RELAY_UNREACHABLE');
    expect(await ownKeys(alice.engine.database)).toEqual(before);
    expect(await alice.engine.database.getSetting('accessKeysRegistered')).toEqual(before);
    expect(alice.contactCode).toBe(code);
    unreachable = false;
    expect(await alice.engine.resetContactCode()).not.toBe(code);
  });

  it('registers keys on the first start of a profile from before access keys', async () => {
    const gina = await client('gina6');
    const db = gina.engine.database;
    await registered(gina);
    // As a profile from before access keys: no keys stored, none confirmed.
    await db.settings.bulkDelete(['accessKeys', 'accessKeysRegistered']);
    const engine = await gina.restart();
    await engine.start();
    const keys = await registered(gina);
    expect(toBase64(parseContactCode(gina.contactCode).accessKey ?? new Uint8Array())).toBe(keys.codeKey);
    const hal = await client('hal6');
    await hal.engine.addContact(gina.contactCode, 'Gina');
    await hal.engine.sendText(directId(gina), 'hi gina');
    await waitForTexts(gina, directId(hal), 1);
  });

  it('lets two contacts from before access keys tell each other their keys when they upgrade', async () => {
    // Both registered while their relay took no keys from them: accounts from before access keys.
    let keysBlocked = true;
    const blocking: EngineOverrides = {
      fetch: (input, init) =>
        keysBlocked && input.includes('/access-keys')
          ? Promise.reject(new TypeError('fetch failed'))
          : globalThis.fetch(input, init),
    };
    const [ivy, jack] = [await client('ivy8', blocking), await client('jack8', blocking)];
    await introduce(jack, ivy, 'Ivy');
    await jack.engine.sendText(directId(ivy), 'before the upgrade');
    await waitForTexts(ivy, directId(jack), 1);
    await ivy.engine.sendText(directId(jack), 'me too');
    await waitForTexts(jack, directId(ivy), 1);
    await Promise.all([ivy.engine.whenIdle(), jack.engine.whenIdle()]);
    // What a profile from before access keys holds: no keys of its own, none for its contacts.
    for (const [who, peer] of [
      [ivy, jack],
      [jack, ivy],
    ] as const) {
      const db = who.engine.database;
      await db.settings.bulkDelete(['accessKeys', 'accessKeysRegistered']);
      await db.contacts.update(peer.accountId, { accessKey: null });
      await db.outbox.clear();
    }
    keysBlocked = false;
    // Ivy upgrades first, then Jack: each tells the other its contact key before registering its keys.
    await ivy.restart();
    const ivyKeys = await registered(ivy);
    await jack.restart();
    const jackKeys = await registered(jack);
    await waitFor('each holds the other contact key', async () =>
      (await contactKey(ivy, jack)) === jackKeys.contactKey && (await contactKey(jack, ivy)) === ivyKeys.contactKey
        ? true
        : null,
    );
    await jack.engine.sendText(directId(ivy), 'after the upgrade');
    await waitForTexts(ivy, directId(jack), 2);
    await ivy.engine.sendText(directId(jack), 'both upgraded');
    await waitForTexts(jack, directId(ivy), 2);
    expect((await jack.engine.database.contacts.get(ivy.accountId))?.accessDeniedAt ?? null).toBeNull();
  });

  it('keeps the keys and the contact code across a backup and restore', async () => {
    const [alice, bob] = [await client('alice7'), await client('bob7')];
    const keys = await registered(alice);
    const bobKey = (await registered(bob)).contactKey;
    await introduce(alice, bob, 'Bob');
    await alice.engine.sendText(directId(bob), 'before the backup');
    await waitForTexts(bob, directId(alice), 1);
    await bob.engine.acceptRequest(alice.accountId);
    await waitFor('alice holds bob contact key', async () => ((await contactKey(alice, bob)) === bobKey ? true : null));
    const code = alice.contactCode;
    const passphrase = generateBackupPassphrase();
    const exported = await alice.engine.exportBackup({ passphrase, includeIdentity: true });
    await alice.dispose();

    const restored = TestClient.offline('alice7-restored');
    world.clients.push(restored);
    const vault = createVaultClient(restored.transport);
    const { readFile } = await import('node:fs/promises');
    const uploadId = await uploadBackup(vault, new Blob([await readFile(exported.path)]));
    await restoreBackup(vault, uploadId, { passphrase, indexedDB: restored.indexedDB, IDBKeyRange });
    await restored.engine.start();
    expect(restored.contactCode).toBe(code);
    expect(await registered(restored)).toEqual(keys);
    expect(await contactKey(restored, bob)).toBe(bobKey);
    await restored.engine.sendText(directId(bob), 'after the restore');
    await waitForTexts(bob, directId(restored), 2);
    await bob.engine.sendText(directId(restored), 'welcome back');
    await waitForTexts(restored, directId(bob), 1);
  });
});
