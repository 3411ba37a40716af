/**
 * Export and restore through the app's own path: engine (fake-indexeddb) +
 * real vault + real relay process. Alice has three contacts, a group and
 * 10,000 messages; she exports, her computer is gone, and a fresh install
 * restores the backup. Every message comes back, safety numbers are
 * unchanged on both sides, and new messages flow both ways.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateBackupPassphrase } from '@parley/crypto-core';
import { IDBKeyRange } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVaultClient } from '../../src/common/invoke.js';
import { restoreBackup, uploadBackup } from '../../src/renderer/engine/backup/backup-restore.js';
import { readRestoreMarker } from '../../src/renderer/engine/backup/restore-marker.js';
import { directId, introduce, waitForTexts } from '../support/conversation-helpers.js';
import { TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { waitFor } from '../support/wait.js';
import { addGroup, addMessages, generatedBody } from './support/history-fixture.js';

// The vault writes exports to ~/Parley Backups; this test process gets its own home.
const home = mkdtempSync(join(tmpdir(), 'parley-backup-home-'));
process.env.HOME = home;

const MESSAGES_PER_CONTACT = [4000, 3000, 2500];
const GROUP_MESSAGES = 500;

describe('backup export and restore', () => {
  let relay: RelayProcess;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    relay = await startRelay();
  });

  afterAll(async () => {
    for (const client of clients) await client.dispose().catch(() => undefined);
    await relay?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('restores 10,000 messages, three contacts and a group with unchanged safety numbers, then talks both ways', async () => {
    const alice = await TestClient.create('alice', relay.url);
    const peers = [
      await TestClient.create('bob', relay.url),
      await TestClient.create('carol', relay.url),
      await TestClient.create('dave', relay.url),
    ];
    clients.push(...peers);
    for (const [index, peer] of peers.entries()) {
      await introduce(alice, peer, `peer ${index}`);
      const conversation = directId(peer);
      await alice.engine.sendText(directId(peer), `hello ${peer.name}`);
      await waitForTexts(peer, directId(alice), 1);
      await peer.engine.sendText(directId(alice), `hi alice from ${peer.name}`);
      await waitForTexts(alice, conversation, 2);
    }
    await alice.engine.setVerified(peers[0]?.accountId ?? expect.fail(), true);
    const db = alice.engine.database;
    const startAt = Date.UTC(2025, 0, 1);
    for (const [index, peer] of peers.entries()) {
      const count = MESSAGES_PER_CONTACT[index] ?? 0;
      await addMessages(db, alice.accountId, { conversationId: directId(peer), peer: peer.accountId, count }, startAt);
    }
    const groupId = await addGroup(db, 'Climbing club', startAt);
    await addMessages(
      db,
      alice.accountId,
      { conversationId: groupId, peer: peers[1]?.accountId ?? expect.fail(), count: GROUP_MESSAGES },
      startAt,
    );

    const before = {
      messages: await db.messages.count(),
      contacts: await db.contacts.toArray(),
      conversations: await db.conversations.count(),
    };
    expect(before.messages).toBeGreaterThanOrEqual(10_000);
    const safetyBefore = new Map<string, string>();
    for (const peer of peers)
      safetyBefore.set(peer.accountId, (await alice.engine.safetyNumber(peer.accountId)).digits);
    const peerSafetyBefore = await Promise.all(
      peers.map(async (peer) => (await peer.engine.safetyNumber(alice.accountId)).digits),
    );
    const originalTexts = new Map<string, (string | null)[]>();
    for (const peer of peers)
      originalTexts.set(
        peer.accountId,
        (await alice.allMessages(directId(peer))).map((m) => m.body),
      );

    const passphrase = generateBackupPassphrase();
    const progress: number[] = [];
    const exported = await alice.engine.exportBackup({
      passphrase,
      includeIdentity: true,
      onProgress: ({ done }) => progress.push(done),
    });
    expect(exported.counts.messages).toBe(before.messages);
    expect(exported.counts.contacts).toBe(3);
    expect(exported.counts.groups).toBe(1);
    expect(progress.length).toBeGreaterThan(20);
    expect(readdirSync(join(home, 'Parley Backups')).filter((name) => name.endsWith('.partial'))).toEqual([]);
    // The file holds no plaintext.
    const fileBytes = readFileSync(exported.path);
    expect(fileBytes.includes(Buffer.from('hello bob'))).toBe(false);
    expect(fileBytes.includes(Buffer.from(alice.accountId))).toBe(false);

    // Alice's computer is gone.
    const aliceId = alice.accountId;
    await alice.dispose();

    const restored = TestClient.offline('alice-restored');
    clients.push(restored);
    const vault = createVaultClient(restored.transport);
    const uploadId = await uploadBackup(vault, new Blob([fileBytes]));
    // A generated code may be typed without its spaces.
    const result = await restoreBackup(vault, uploadId, {
      passphrase: passphrase.replace(/ /g, ''),
      indexedDB: restored.indexedDB,
      IDBKeyRange,
    });
    expect(result.account.accountId).toBe(aliceId);
    expect(result.summary.counts.messages).toBe(before.messages);
    await restored.engine.start();
    const rdb = restored.engine.database;
    // Registered afresh (fresh prekeys) and the restore marker is gone; the session resets went out.
    expect(await readRestoreMarker(rdb)).toBeNull();
    await waitFor('session resets sent', async () => ((await rdb.outbox.count()) === 0 ? true : null), 30_000, 50);
    expect(await rdb.messages.count()).toBe(before.messages);
    expect(await rdb.conversations.count()).toBe(before.conversations);
    expect((await rdb.contacts.toArray()).sort((a, b) => a.accountId.localeCompare(b.accountId))).toEqual(
      before.contacts.sort((a, b) => a.accountId.localeCompare(b.accountId)),
    );
    for (const peer of peers) {
      const texts = (await restored.allMessages(directId(peer))).map((m) => m.body);
      expect(texts).toEqual(originalTexts.get(peer.accountId));
      expect((await restored.engine.safetyNumber(peer.accountId)).digits).toBe(safetyBefore.get(peer.accountId));
    }
    const groupTexts = (await restored.allMessages(groupId)).map((m) => m.body);
    expect(groupTexts).toEqual(Array.from({ length: GROUP_MESSAGES }, (_, i) => generatedBody(groupId, i)));
    expect((await rdb.contacts.get(peers[0]?.accountId ?? ''))?.verified).toBe(true);
    expect((await restored.vault.getContactIdentity({ accountId: peers[0]?.accountId ?? expect.fail() }))?.trust).toBe(
      'verified',
    );

    // New messages both ways with every peer; peers saw no key change.
    for (const [index, peer] of peers.entries()) {
      const known = (await peer.allMessages(directId(restored))).filter((m) => m.kind === 'text').length;
      await restored.engine.sendText(directId(peer), `back again, ${peer.name}`);
      const seen = await waitForTexts(peer, directId(restored), known + 1);
      expect(seen.at(-1)?.body).toBe(`back again, ${peer.name}`);
      const mine = (await restored.allMessages(directId(peer))).filter((m) => m.kind === 'text').length;
      await peer.engine.sendText(directId(restored), `welcome back from ${peer.name}`);
      const got = await waitForTexts(restored, directId(peer), mine + 1);
      expect(got.at(-1)?.body).toBe(`welcome back from ${peer.name}`);
      expect((await peer.engine.safetyNumber(aliceId)).digits).toBe(peerSafetyBefore[index]);
      const notices = (await peer.allMessages(directId(restored))).filter((m) => m.kind !== 'text');
      expect(notices).toEqual([]);
    }
  });
});
