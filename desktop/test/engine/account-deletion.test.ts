/**
 * Delete account against a real relay process: the relay forgets the account
 * and drops the messages it still queued for it, the vault has no identity
 * left, the engine's IndexedDB database is gone, and a contact can no longer
 * reach the account. A deletion that fails at the relay changes nothing; one
 * that fails after the relay step finishes on the next attempt; an app that
 * stops between erasing the vault and deleting its database leaves the
 * database behind, and the next start (no identity) deletes it.
 */
import { formatContactCode } from '@parley/crypto-core/wire';
import { IDBKeyRange } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVaultClient } from '../../src/common/invoke.js';
import { Engine } from '../../src/renderer/engine/engine.js';
import { PENDING_DELETIONS_DATABASE } from '../../src/renderer/engine/leftover-databases.js';
import { directId, introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
import { relayMetric } from '../support/relay-metrics.js';
import { RelayProxy } from '../support/relay-proxy.js';
import { FAST_ENGINE_OPTIONS, TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { waitFor } from '../support/wait.js';

let relay: RelayProcess;
let proxy: RelayProxy;
const clients: TestClient[] = [];

beforeAll(async () => {
  proxy = await RelayProxy.start();
  relay = await startRelay({ args: ['--public-url', proxy.url] });
  proxy.target = relay.url;
});

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.dispose()));
  await proxy?.close();
  await relay?.dispose();
});

async function client(name: string): Promise<TestClient> {
  const created = await TestClient.create(name, proxy.url);
  clients.push(created);
  await waitFor(`${name} online`, () => created.engine.connection.value.state === 'online');
  return created;
}

async function databaseNames(target: TestClient): Promise<string[]> {
  return (await target.indexedDB.databases()).map((database) => database.name ?? '');
}

/** Starts `target` again on an engine whose vault fails the first eraseIdentity (a disk error), then works. */
async function restartWithVaultFailingOneErase(target: TestClient): Promise<void> {
  let failErase = true;
  const flakyVault = createVaultClient({
    call: (method, args) => {
      if (method === 'eraseIdentity' && failErase) {
        failErase = false;
        return Promise.resolve({ ok: false, error: { code: 'STORAGE', message: 'the disk failed' } });
      }
      return target.transport.call(method, args);
    },
    onEvent: (listener) => target.transport.onEvent(listener),
  });
  await target.engine.stop();
  target.engine = new Engine({
    ...FAST_ENGINE_OPTIONS,
    logger: target.logger,
    vault: flakyVault,
    indexedDB: target.indexedDB,
    IDBKeyRange,
  });
  await target.engine.start();
}

const queueDepth = () => relayMetric(relay.url, 'parley_relay_queue_depth');

describe('deleteAccount', () => {
  it('erases the account on the relay with its queued messages, the identity in the vault and the local database', async () => {
    const [alice, bob] = await Promise.all([client('alice'), client('bob')]);
    await introduce(bob, alice, 'Alice');
    const before = await bob.engine.sendText(directId(alice), 'delivered before');
    await waitForTexts(alice, directId(bob), 1);
    // Alice's delivery receipt leaves her outbox after her commit: wait until
    // Bob has it, or it could still be queued (for Bob, whose pushes are about
    // to be garbled) when the queue is counted below.
    await waitForStates(bob, [before.id], ['delivered']);
    const aliceId = alice.accountId;
    const aliceDatabase = alice.engine.database.dexie.name;
    expect(await databaseNames(alice)).toContain(aliceDatabase);
    expect(aliceDatabase).not.toContain(aliceId);

    // Receipts in flight settle first.
    await waitFor('an empty relay queue', async () => (await queueDepth()) === 0);
    // Messages the relay holds for Alice: no client acknowledges a push from now on (the proxy garbles them).
    proxy.hooks.socketEvent = (event, args) => (event === 'envelopes' ? ['withheld by the test'] : args);
    try {
      for (const text of ['queued 1', 'queued 2', 'queued 3']) await bob.engine.sendText(directId(alice), text);
      await waitFor('three envelopes queued for alice', async () => (await queueDepth()) === 3);
      await alice.engine.deleteAccount();
      // Never delivered, so only the deletion empties the queue.
      await waitFor('the queued envelopes erased', async () => (await queueDepth()) === 0, 5_000);
    } finally {
      proxy.hooks.socketEvent = undefined;
    }

    expect(alice.engine.running).toBe(false);
    expect(alice.engine.account).toBeNull();
    expect((await alice.vault.getStatus({})).state).toBe('no-identity');
    expect(await databaseNames(alice)).not.toContain(aliceDatabase);
    // Her contact code leads nowhere now: the relay knows no such account.
    const newcomer = await client('newcomer');
    const code = formatContactCode({ accountId: aliceId, relayUrl: proxy.url });
    await expect(newcomer.engine.addContact(code, 'Alice')).rejects.toMatchObject({
      name: 'EngineError',
      code: 'UNKNOWN_ACCOUNT',
    });
    // The profile takes a new identity, with a new account id.
    const again = await alice.engine.createAccount({ relayUrl: proxy.url });
    expect(again.accountId).not.toBe(aliceId);
  });

  it('changes nothing when the relay is unavailable', async () => {
    const carol = await client('carol');
    const target = proxy.target;
    proxy.target = 'http://127.0.0.1:9';
    try {
      // The proxy answers UNAVAILABLE, as a gateway in front of a stopped relay would.
      await expect(carol.engine.deleteAccount()).rejects.toMatchObject({ name: 'EngineError', code: 'RELAY_REFUSED' });
    } finally {
      proxy.target = target;
    }
    expect(carol.engine.running).toBe(true);
    expect((await carol.vault.getStatus({})).state).toBe('unlocked');
    expect(await databaseNames(carol)).toContain(carol.engine.database.dexie.name);
    // Still registered: a contact reaches the account.
    const dave = await client('dave');
    await introduce(dave, carol, 'Carol');
    await dave.engine.sendText(directId(carol), 'still here');
    await waitForTexts(carol, directId(dave), 1);
  });

  it('finishes on the next attempt when the vault failed after the relay deleted the account', async () => {
    const erin = await client('erin');
    await restartWithVaultFailingOneErase(erin);
    const erinDatabase = erin.engine.database.dexie.name;

    await expect(erin.engine.deleteAccount()).rejects.toMatchObject({ name: 'EngineError', code: 'VAULT_FAILED' });
    // The relay step happened; the identity and the database are still here.
    expect((await erin.vault.getStatus({})).state).toBe('unlocked');
    expect(await databaseNames(erin)).toContain(erinDatabase);

    // Started again (as the app does), the next attempt finds the account gone at the relay and goes on.
    await erin.engine.start();
    await erin.engine.deleteAccount();
    expect((await erin.vault.getStatus({})).state).toBe('no-identity');
    expect(await databaseNames(erin)).not.toContain(erinDatabase);
  });

  it('leaves the database behind when the app stops after the vault step, and deletes it on the next start', async () => {
    const gina = await client('gina');
    await introduce(gina, await client('hal'), 'Hal');
    const ginaDatabase = gina.engine.database.dexie.name;
    const ginaId = gina.accountId;
    // The app stops right after the vault erased the identity: the database's deletion never completes.
    const stopsBeforeDeleting = new Proxy(gina.indexedDB, {
      get(target, property) {
        if (property === 'deleteDatabase') {
          return (name: string) => (name === ginaDatabase ? {} : target.deleteDatabase(name));
        }
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await gina.engine.stop();
    gina.engine = new Engine({
      ...FAST_ENGINE_OPTIONS,
      logger: gina.logger,
      vault: createVaultClient(gina.transport),
      indexedDB: stopsBeforeDeleting,
      IDBKeyRange,
    });
    await gina.engine.start();
    const interrupted = gina.engine.deleteAccount();
    await waitFor(
      'the vault to erase the identity',
      async () => (await gina.vault.getStatus({})).state === 'no-identity',
    );
    gina.engine.abandon();
    void interrupted.catch(() => {});
    // The keys that named it are gone; the database and the note of it are still here.
    expect(await databaseNames(gina)).toEqual(expect.arrayContaining([ginaDatabase, PENDING_DELETIONS_DATABASE]));

    // The next start: the vault has no identity, so what was written down is deleted.
    gina.engine = gina.newEngine();
    expect(await gina.engine.deleteLeftoverDatabases()).toEqual([ginaDatabase]);
    const left = await databaseNames(gina);
    expect(left).not.toContain(ginaDatabase);
    expect(left).not.toContain(PENDING_DELETIONS_DATABASE);
    // Nothing more to do the time after; and a new account starts clean.
    expect(await gina.engine.deleteLeftoverDatabases()).toEqual([]);
    const again = await gina.engine.createAccount({ relayUrl: proxy.url });
    expect(again.accountId).not.toBe(ginaId);
  });

  it('deletes nothing while an identity exists, even with a note left by a deletion that failed before the vault step', async () => {
    const ivy = await client('ivy');
    const ivyDatabase = ivy.engine.database.dexie.name;
    await restartWithVaultFailingOneErase(ivy);
    await expect(ivy.engine.deleteAccount()).rejects.toMatchObject({ code: 'VAULT_FAILED' });
    await ivy.engine.stop();
    // The name was written down, but the identity (and so its database) is still in use.
    expect(await databaseNames(ivy)).toEqual(expect.arrayContaining([ivyDatabase, PENDING_DELETIONS_DATABASE]));
    expect(await ivy.engine.deleteLeftoverDatabases()).toEqual([]);
    expect(await databaseNames(ivy)).toContain(ivyDatabase);
    // The retry finishes the job and leaves no note behind.
    await ivy.engine.start();
    await ivy.engine.deleteAccount();
    const left = await databaseNames(ivy);
    expect(left).not.toContain(ivyDatabase);
    expect(left).not.toContain(PENDING_DELETIONS_DATABASE);
  });

  it('needs a running engine', async () => {
    const frank = await client('frank');
    await frank.engine.stop();
    await expect(frank.engine.deleteAccount()).rejects.toMatchObject({ name: 'EngineError', code: 'NOT_STARTED' });
    expect((await frank.vault.getStatus({})).state).toBe('unlocked');
  });
});
