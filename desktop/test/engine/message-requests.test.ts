/**
 * Message requests, names and blocking on a real relay (docs/protocol.md
 * §4.6): a stranger's first message is a request that gets delivery
 * receipts but no read receipt, typing or profile; accepting sends our
 * profile (name included) and the read receipts that waited; a name change
 * reaches accepted contacts; deleting a request forgets it; blocking rotates
 * our keys so the relay refuses the blocked account's key while a contact
 * still gets through with the new one, and survives a restart; a backup
 * keeps requests, blocks, profile names and avatars, and our own profile.
 */
import { readFile } from 'node:fs/promises';
import { generateBackupPassphrase } from '@parley/crypto-core';
import { IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createVaultClient } from '../../src/common/invoke.js';
import { restoreBackup, uploadBackup } from '../../src/renderer/engine/backup/backup-restore.js';
import { directId, introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
import { useRelayWorld } from '../support/relay-world.js';
import { TestClient } from '../support/test-client.js';
import { waitFor } from '../support/wait.js';

const world = useRelayWorld('message-requests');

async function client(name: string): Promise<TestClient> {
  const made = await TestClient.create(name, world.relay.url);
  world.clients.push(made);
  return made;
}

function contactOf(who: TestClient, peer: TestClient) {
  return who.engine.database.contacts.get(peer.accountId);
}

function queuedProfiles(who: TestClient): Promise<number> {
  return who.engine.database.outbox.filter((item) => item.kind === 'profile').count();
}

describe('message requests', () => {
  it('keeps a stranger apart until accepted, then sends our profile, the read receipts that waited, and new names', async () => {
    const [alice, bob] = [await client('alice'), await client('bob')];
    await alice.engine.setOwnProfile({ name: 'Alice Liddell', avatar: null });
    await bob.engine.setOwnProfile({ name: 'Bob Builder', avatar: null });
    await introduce(alice, bob, 'Bob');
    const hello = await alice.engine.sendText(directId(bob), 'hello bob');
    await waitForTexts(bob, directId(alice), 1);

    // A request, named as Alice chose, apart from the chats; delivery receipts go out as in Signal.
    const requests = await bob.engine.queries.requests();
    expect(requests.map((r) => [r.id, r.name, r.contact?.status])).toEqual([
      [directId(alice), 'Alice Liddell', 'request'],
    ]);
    expect(await bob.engine.queries.conversations()).toEqual([]);
    await waitForStates(alice, [hello.id], ['delivered']);

    // Read and typing with both settings on: nothing goes to a request, nor Bob's profile.
    expect(bob.engine.privacy.value).toEqual({ readReceipts: true, typingIndicators: true });
    expect((await bob.engine.markRead(directId(alice))).receiptsQueued).toBe(0);
    await bob.engine.setTyping(directId(alice), true);
    await bob.engine.whenIdle();
    expect(await queuedProfiles(bob)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(alice.engine.typing.value.get(directId(bob)) ?? []).toEqual([]);
    expect((await alice.engine.database.messages.get(hello.id))?.state).toBe('delivered');
    expect((await contactOf(alice, bob))?.profileName ?? null).toBeNull();

    // Accepted: Bob's profile (his name) reaches Alice, and the read receipt that waited follows.
    await bob.engine.acceptRequest(alice.accountId);
    await waitForStates(alice, [hello.id], ['read']);
    await waitFor('alice has bob profile name', async () =>
      (await contactOf(alice, bob))?.profileName === 'Bob Builder' ? true : null,
    );
    // The name Alice gave him wins over the one he chose.
    expect((await alice.engine.queries.conversation(directId(bob)))?.name).toBe('Bob');
    expect((await bob.engine.queries.conversations()).map((c) => c.id)).toEqual([directId(alice)]);
    expect(await bob.engine.queries.requests()).toEqual([]);

    // Bob's reply presents the key Alice's profile gave him.
    const reply = await bob.engine.sendText(directId(alice), 'hi alice');
    await waitForStates(bob, [reply.id], ['delivered', 'read']);

    // A new name goes to every accepted contact.
    await alice.engine.setOwnProfile({ name: 'Alice Pleasance', avatar: null });
    await waitFor('bob sees the new name', async () =>
      (await bob.engine.queries.conversation(directId(alice)))?.name === 'Alice Pleasance' ? true : null,
    );
  });

  it('replying to a request accepts it', async () => {
    const [gina, hal] = [await client('gina'), await client('hal')];
    await introduce(gina, hal, 'Hal');
    await gina.engine.sendText(directId(hal), 'hi hal');
    await waitForTexts(hal, directId(gina), 1);
    const reply = await hal.engine.sendText(directId(gina), 'hi gina');
    expect((await contactOf(hal, gina))?.status).toBe('accepted');
    await waitForStates(hal, [reply.id], ['delivered', 'read']);
  });

  it('adding the code of someone whose request came first accepts them', async () => {
    const [ivy, jon] = [await client('ivy'), await client('jon')];
    await introduce(ivy, jon, 'Jon');
    await ivy.engine.sendText(directId(jon), 'hi jon');
    await waitForTexts(jon, directId(ivy), 1);
    await introduce(jon, ivy, 'Ivy');
    expect((await contactOf(jon, ivy))?.status).toBe('accepted');
    expect((await jon.engine.queries.conversations()).map((c) => [c.id, c.name])).toEqual([[directId(ivy), 'Ivy']]);
    await waitFor('ivy holds jon contact key', async () =>
      (await contactOf(ivy, jon))?.accessKey === (await jon.engine.database.getSetting('accessKeys'))?.contactKey
        ? true
        : null,
    );
  });

  it('deletes a request; a later message from the same account is a new request', async () => {
    const [carol, bob] = [await client('carol'), await client('bob2')];
    await introduce(carol, bob, 'Bob');
    await carol.engine.sendText(directId(bob), 'first');
    await waitForTexts(bob, directId(carol), 1);
    await bob.engine.deleteRequest(carol.accountId);
    expect(await contactOf(bob, carol)).toBeUndefined();
    expect(await bob.engine.queries.requests()).toEqual([]);
    expect(await bob.allMessages(directId(carol))).toEqual([]);
    await expect(bob.engine.deleteRequest(carol.accountId)).rejects.toMatchObject({ code: 'NO_REQUEST' });

    await carol.engine.sendText(directId(bob), 'second');
    const again = await waitForTexts(bob, directId(carol), 1);
    expect(again.map((m) => m.body)).toEqual(['second']);
    expect((await bob.engine.queries.requests()).map((r) => r.id)).toEqual([directId(carol)]);
  });

  it('blocks: our keys change on the relay, the blocked key is refused, a contact reaches us with the new key', async () => {
    const [dave, erin, frank] = [await client('dave'), await client('erin'), await client('frank')];
    // Frank is Erin's contact and holds her contact key.
    await introduce(frank, erin, 'Erin');
    await frank.engine.sendText(directId(erin), 'from frank');
    await waitForTexts(erin, directId(frank), 1);
    await erin.engine.acceptRequest(frank.accountId);
    const keysBefore = await erin.engine.database.getSetting('accessKeys');
    await waitFor('frank holds erin contact key', async () =>
      (await contactOf(frank, erin))?.accessKey === keysBefore?.contactKey ? true : null,
    );
    // Dave writes first with Erin's code: a request, then blocked.
    await introduce(dave, erin, 'Erin');
    await dave.engine.sendText(directId(erin), 'from dave');
    await waitForTexts(erin, directId(dave), 1);
    const codeBefore = erin.contactCode;
    expect(await erin.engine.block(dave.accountId)).toEqual({ contactCodeReset: true });

    const keysAfter = await erin.engine.database.getSetting('accessKeys');
    expect(keysAfter?.contactKey).not.toBe(keysBefore?.contactKey);
    expect(keysAfter?.codeKey).not.toBe(keysBefore?.codeKey);
    expect(await erin.engine.database.getSetting('accessKeysRegistered')).toEqual(keysAfter);
    expect(erin.contactCode).not.toBe(codeBefore);
    expect(await erin.engine.queries.requests()).toEqual([]);
    expect((await erin.engine.queries.blockedContacts()).map((c) => c.accountId)).toEqual([dave.accountId]);

    // The relay refuses Dave's old key; Frank gets Erin's new contact key and reaches her.
    const refused = await dave.engine.sendText(directId(erin), 'after the block');
    await waitForStates(dave, [refused.id], ['failed']);
    expect((await contactOf(dave, erin))?.accessDeniedAt).toEqual(expect.any(Number));
    await waitFor('frank holds erin new contact key', async () =>
      (await contactOf(frank, erin))?.accessKey === keysAfter?.contactKey ? true : null,
    );
    await frank.engine.sendText(directId(erin), 'after the block too');
    await waitForTexts(erin, directId(frank), 2);
    expect((await erin.allMessages(directId(dave))).map((m) => m.body)).toEqual(['from dave']);
    await expect(erin.engine.sendText(directId(dave), 'no')).rejects.toMatchObject({ code: 'BLOCKED' });

    // Blocked survives a restart; unblocking a request sends nothing to it.
    const engine = await erin.restart();
    await engine.start();
    expect((await erin.engine.queries.blockedContacts()).map((c) => c.accountId)).toEqual([dave.accountId]);
    await erin.engine.unblock(dave.accountId);
    expect(await erin.engine.queries.blockedContacts()).toEqual([]);
    expect((await erin.engine.queries.requests()).map((r) => r.id)).toEqual([directId(dave)]);
    expect(await erin.engine.database.outbox.where('recipient').equals(dave.accountId).count()).toBe(0);
  });
});

describe('unblocking a contact', () => {
  it('sends them our current profile, so they reach us again with the new key', async () => {
    const [nia, oz] = [await client('nia'), await client('oz')];
    await introduce(oz, nia, 'Nia');
    await oz.engine.sendText(directId(nia), 'hi nia');
    await waitForTexts(nia, directId(oz), 1);
    await nia.engine.acceptRequest(oz.accountId);
    const before = await nia.engine.database.getSetting('accessKeys');
    await waitFor('oz holds nia contact key', async () =>
      (await contactOf(oz, nia))?.accessKey === before?.contactKey ? true : null,
    );
    await nia.engine.block(oz.accountId);
    await nia.engine.whenIdle();
    // Nothing went to the blocked contact: they still hold the old key, which the relay refuses.
    expect((await contactOf(oz, nia))?.accessKey).toBe(before?.contactKey);
    const refused = await oz.engine.sendText(directId(nia), 'are you there?');
    await waitForStates(oz, [refused.id], ['failed']);

    await nia.engine.unblock(oz.accountId);
    const after = await nia.engine.database.getSetting('accessKeys');
    expect(after?.contactKey).not.toBe(before?.contactKey);
    await waitFor('oz holds nia new contact key', async () =>
      (await contactOf(oz, nia))?.accessKey === after?.contactKey ? true : null,
    );
    await oz.engine.retry(refused.id);
    await waitForStates(oz, [refused.id], ['delivered', 'read']);
  });
});

describe('message requests in a backup', () => {
  it('keeps requests, blocks, profile names and our own profile across a backup and restore', async () => {
    const [kim, lee, max] = [await client('kim'), await client('lee'), await client('max')];
    await lee.engine.setOwnProfile({ name: 'Lee', avatar: { contentType: 'image/png', data: 'iVBORw0KGgo=' } });
    await kim.engine.setOwnProfile({ name: 'Kim', avatar: null });
    for (const writer of [lee, max]) {
      await introduce(writer, kim);
      await writer.engine.sendText(directId(kim), `from ${writer.name}`);
      await waitForTexts(kim, directId(writer), 1);
    }
    await kim.engine.block(max.accountId);
    const passphrase = generateBackupPassphrase();
    const exported = await kim.engine.exportBackup({ passphrase, includeIdentity: true });
    await kim.dispose();

    const restored = TestClient.offline('kim-restored');
    world.clients.push(restored);
    const vault = createVaultClient(restored.transport);
    const uploadId = await uploadBackup(vault, new Blob([await readFile(exported.path)]));
    await restoreBackup(vault, uploadId, { passphrase, indexedDB: restored.indexedDB, IDBKeyRange });
    await restored.engine.start();
    expect(await restored.engine.ownProfile()).toEqual({ name: 'Kim', avatar: null });
    const requests = await restored.engine.queries.requests();
    expect(requests.map((r) => [r.id, r.name, r.contact?.avatarUrl])).toEqual([
      [directId(lee), 'Lee', 'data:image/png;base64,iVBORw0KGgo='],
    ]);
    expect((await restored.engine.queries.blockedContacts()).map((c) => c.accountId)).toEqual([max.accountId]);
    expect(await restored.engine.queries.conversations()).toEqual([]);
  });
});
