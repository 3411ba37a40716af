/**
 * One identity, one active install (docs/protocol.md §3.1), with a real relay
 * and real vaults: Alice's backup restored on another install takes her
 * device over. The original copy is told (over its open socket, or at its
 * next login when it was not running), stops for good (no reconnect, no
 * send, no receipt), says so in its connection status, and stays so across
 * a restart with its history readable; a contact's messages reach the
 * restored install only, and become delivered. Removing the old copy leaves
 * the account, now the restored install's, untouched.
 */
import { describe, expect, it } from 'vitest';
import { exportBackupFile, restoreBackupFile } from '../support/backup-copy.js';
import { directId, introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
import { relayMetric } from '../support/relay-metrics.js';
import { useRelayWorld } from '../support/relay-world.js';
import { TestClient } from '../support/test-client.js';
import { delay, waitFor } from '../support/wait.js';

const world = useRelayWorld('takeover');
const clients = world.clients;

/** Alice and Carol, contacts of each other, who exchanged a message each. */
async function acquainted(label: string): Promise<{ alice: TestClient; carol: TestClient }> {
  const [alice, carol] = await Promise.all([
    TestClient.create(`alice-${label}`, world.relay.url),
    TestClient.create(`carol-${label}`, world.relay.url),
  ]);
  clients.push(alice, carol);
  await introduce(alice, carol, 'Carol');
  await introduce(carol, alice, 'Alice');
  await alice.engine.sendText(directId(carol), 'before the backup');
  await waitForTexts(carol, directId(alice), 1);
  await carol.engine.sendText(directId(alice), 'reply before the backup');
  await waitForTexts(alice, directId(carol), 2);
  await alice.engine.whenIdle();
  return { alice, carol };
}

function logins(client: TestClient): number {
  return client.transport.calls.get('signChallenge') ?? 0;
}

async function texts(client: TestClient, conversationId: string): Promise<(string | null)[]> {
  return (await client.allMessages(conversationId)).filter((m) => m.kind === 'text').map((m) => m.body);
}

/** Carol writes to Alice: it must reach the restored install, become delivered, and never reach the old copy. */
async function expectReachesOnly(carol: TestClient, restored: TestClient, old: TestClient | null, body: string) {
  const oldBefore = old === null ? [] : await texts(old, directId(carol));
  const message = await carol.engine.sendText(`direct:${restored.accountId}`, body);
  await waitFor('the restored install has it', async () => (await texts(restored, directId(carol))).includes(body));
  await waitForStates(carol, [message.id], ['delivered', 'read'], 30_000);
  if (old !== null) expect(await texts(old, directId(carol))).toEqual(oldBefore);
}

describe('a copy whose identity was restored elsewhere', () => {
  it('while running: is told at once, stops for good, and the contact reaches only the restored install', async () => {
    const { alice, carol } = await acquainted('online');
    const relayErrors: string[] = [];
    alice.engine.on('relay-error', (error) => relayErrors.push(error.code));
    const restored = await restoreBackupFile('alice-online-restored', await exportBackupFile(alice));
    clients.push(restored);
    expect(alice.engine.connection.value.state).toBe('online');

    await restored.engine.start();
    await waitFor('the old copy is taken over', () => alice.engine.connection.value.state === 'taken-over');
    expect(relayErrors).toContain('DEVICE_TAKEN_OVER');
    const loginsAtTakeover = logins(alice);

    await expect(alice.engine.sendText(directId(carol), 'from the old copy')).rejects.toMatchObject({
      code: 'TAKEN_OVER',
    });
    await expect(alice.engine.addContact(carol.contactCode, 'Carol again')).rejects.toMatchObject({
      code: 'TAKEN_OVER',
    });
    await expectReachesOnly(carol, restored, alice, 'after the restore');

    // Reading here sends nothing: no receipt is even queued.
    const unread = await alice.engine.markRead(directId(carol));
    expect(unread.receiptsQueued).toBe(0);
    expect(await alice.engine.database.outbox.count()).toBe(0);
    // No reconnect, no login: only Carol and the restored install are connected.
    await delay(1500);
    expect(logins(alice)).toBe(loginsAtTakeover);
    expect(await relayMetric(world.relay.url, 'parley_relay_connections')).toBe(2);
    expect(alice.engine.connection.value.state).toBe('taken-over');

    // After a restart it is still taken over, without asking the relay, and its history reads.
    await alice.restart();
    expect(alice.engine.connection.value.state).toBe('taken-over');
    expect(await texts(alice, directId(carol))).toEqual(['before the backup', 'reply before the backup']);
    await expect(alice.engine.sendText(directId(carol), 'after a restart')).rejects.toMatchObject({
      code: 'TAKEN_OVER',
    });
    await delay(500);
    expect(logins(alice)).toBe(loginsAtTakeover);

    // Removing this copy erases it here only: the account is the restored install's.
    await alice.engine.deleteAccount();
    expect((await alice.vault.getStatus({})).state).toBe('no-identity');
    await expectReachesOnly(carol, restored, null, 'after the old copy was removed');
  });

  it('while stopped: learns it at its next login and stays stopped', async () => {
    const { alice, carol } = await acquainted('offline');
    const restored = await restoreBackupFile('alice-offline-restored', await exportBackupFile(alice));
    clients.push(restored);
    await alice.engine.stop();

    await restored.engine.start();
    await expectReachesOnly(carol, restored, null, 'while the old copy was off');

    const loginsBefore = logins(alice);
    await alice.restart();
    await waitFor('the old copy is taken over', () => alice.engine.connection.value.state === 'taken-over');
    expect(logins(alice)).toBe(loginsBefore + 1);
    expect(await texts(alice, directId(carol))).toEqual(['before the backup', 'reply before the backup']);
    await expectReachesOnly(carol, restored, alice, 'after the old copy came back');
    await delay(1000);
    expect(logins(alice)).toBe(loginsBefore + 1);

    await alice.restart();
    expect(alice.engine.connection.value.state).toBe('taken-over');
    expect(logins(alice)).toBe(loginsBefore + 1);
  });
});
