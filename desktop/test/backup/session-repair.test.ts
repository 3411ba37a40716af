/**
 * After a restore the device has no ratchet sessions. A peer that writes
 * first, on its old session, must still get every message through: the
 * restored side asks for a fresh session (session-reset) and the peer re-sends
 * what was never delivered, both what the relay dropped when the restore took
 * the device over and what arrived after it undecryptable. Real relay, real
 * vaults, the app's own export and restore path.
 */

import { fromBase64 } from '@parley/crypto-core/encoding';
import { IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { openProfileDatabase } from '../../src/renderer/engine/at-rest/open-database.js';
import { exportBackupFile, restoreBackupFile } from '../support/backup-copy.js';
import { assertUnique, directId, introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
import { useRelayWorld } from '../support/relay-world.js';
import { TestClient } from '../support/test-client.js';
import { waitFor } from '../support/wait.js';

describe('session repair after a restore', () => {
  const world = useRelayWorld('session-repair');
  const clients = world.clients;

  /**
   * Alice and Bob talk; Alice exports, her computer is gone, a fresh install
   * restores the backup (not started yet). `dropQueuedResets` removes the
   * session-resets the restore queued, so only the decrypt-failure repair is left.
   */
  async function restoredAlice(label: string, options: { dropQueuedResets: boolean }) {
    const alice = await TestClient.create(`alice-${label}`, world.relay.url);
    const bob = await TestClient.create(`bob-${label}`, world.relay.url);
    clients.push(bob);
    await introduce(alice, bob, 'Bob');
    await alice.engine.sendText(directId(bob), 'hello bob');
    await waitForTexts(bob, directId(alice), 1);
    await bob.engine.sendText(directId(alice), 'hi alice');
    await waitForTexts(alice, directId(bob), 2);
    await alice.engine.whenIdle();

    const backup = await exportBackupFile(alice);
    const aliceId = alice.accountId;
    await alice.dispose();

    const restored = await restoreBackupFile(`alice-${label}-restored`, backup);
    clients.push(restored);
    const { key } = await restored.vault.getDataKey({});
    const db = await openProfileDatabase(fromBase64(key), aliceId, { indexedDB: restored.indexedDB, IDBKeyRange });
    const queued = await db.outbox.toArray();
    expect(queued.map((item) => [item.kind, item.recipient])).toEqual([['session-reset', bob.accountId]]);
    if (options.dropQueuedResets) await db.outbox.clear();
    db.close();
    return { bob, restored, aliceId };
  }

  /** Bob writes first, on the session the old device had; returns his message ids once the relay holds them. */
  async function bobWritesFirst(bob: TestClient, aliceId: string, texts: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const text of texts) ids.push((await bob.engine.sendText(`direct:${aliceId}`, text)).id);
    await waitForStates(bob, ids, ['sent']);
    return ids;
  }

  async function expectRecovered(bob: TestClient, restored: TestClient, texts: readonly string[], ids: string[]) {
    const conversation = directId(bob);
    const all = await waitForTexts(restored, conversation, 2 + texts.length, 60_000);
    assertUnique(all);
    expect(all.map((m) => m.body)).toEqual(['hello bob', 'hi alice', ...texts]);
    expect(all.slice(2).map((m) => m.id)).toEqual(ids);
    await waitForStates(bob, ids, ['delivered', 'read'], 60_000);

    // Both directions work on the new sessions.
    await restored.engine.sendText(conversation, 'back again');
    const atBob = await waitForTexts(bob, directId(restored), 3 + texts.length);
    expect(atBob.at(-1)?.body).toBe('back again');
    await bob.engine.sendText(directId(restored), 'welcome back');
    const atAlice = await waitForTexts(restored, conversation, 4 + texts.length);
    expect(atAlice.at(-1)?.body).toBe('welcome back');
    assertUnique(atAlice);
    // Nothing was shown for the reset itself, on either side.
    expect((await bob.allMessages(directId(restored))).filter((m) => m.kind !== 'text')).toEqual([]);
    expect((await restored.allMessages(conversation)).filter((m) => m.kind !== 'text')).toEqual([]);
  }

  it('the peer writes first: the restore’s session-reset brings every message, once, in order', async () => {
    const { bob, restored, aliceId } = await restoredAlice('a', { dropQueuedResets: false });
    const texts = ['are you there?', 'second', 'third', 'fourth'];
    const ids = await bobWritesFirst(bob, aliceId, texts);
    await restored.engine.start();
    await expectRecovered(bob, restored, texts, ids);
    // Bob re-sent what he had sent on the old session.
    expect(bob.logger.lines.some((entry) => entry.message === 'session reset received')).toBe(true);
  });

  it('without a queued reset, the failed decrypts themselves start the repair (once)', async () => {
    const { bob, restored, aliceId } = await restoredAlice('b', { dropQueuedResets: true });
    const texts = ['one', 'two', 'three'];
    // The restored install registers first (the relay drops what was queued for the old
    // install then: docs/protocol.md §3.1), and is away while Bob writes on his old session.
    await restored.engine.start();
    await restored.engine.stop();
    const ids = await bobWritesFirst(bob, aliceId, texts);
    await restored.restart();
    await expectRecovered(bob, restored, texts, ids);
    // Bob's old-session (sealed) envelopes did not decrypt; the vault named him from the sender certificate.
    const undecryptable = restored.logger.lines.filter(
      (entry) => entry.message === 'envelope dropped' && entry.details?.reason === 'NO_SESSION',
    );
    expect(undecryptable).toHaveLength(texts.length);
    const repairs = restored.logger.lines.filter((entry) => entry.message === 'session repair queued');
    expect(repairs).toHaveLength(1);
    await waitFor(
      'outbox empty',
      async () => ((await restored.engine.database.outbox.count()) === 0 ? true : null),
      30_000,
      50,
    );
  });
});
