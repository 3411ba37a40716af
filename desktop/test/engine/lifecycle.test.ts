/**
 * Onboarding and the engine's life: a passphrase-protected profile created,
 * locked, unlocked and started again with its data; registration retried
 * after the relay was unreachable; the errors the UI shows for bad input.
 */
import { ARGON2ID_INTERACTIVE, generateIdentity } from '@parley/crypto-core';
import { formatContactCode, parseContactCode } from '@parley/crypto-core/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directId, introduce, waitForTexts } from '../support/conversation-helpers.js';
import { engineFailure } from '../support/engine-failure.js';
import { TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { waitFor } from '../support/wait.js';

let relay: RelayProcess;
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  relay = await startRelay();
  [alice, bob] = await Promise.all([TestClient.create('alice', relay.url), TestClient.create('bob', relay.url)]);
});

afterAll(async () => {
  await Promise.allSettled([alice?.dispose(), bob?.dispose()]);
  await relay?.dispose();
});

describe('onboarding', () => {
  it('creates a passphrase-protected account, and starts again after lock and unlock with its data', async () => {
    const carol = TestClient.offline('carol', {}, { keyProtection: 'passphrase', kdf: ARGON2ID_INTERACTIVE });
    try {
      const summary = await carol.engine.createAccount({ relayUrl: `${relay.url}/`, passphrase: 'correct horse' });
      expect(summary.relayUrl).toBe(relay.url);
      const code = parseContactCode(summary.contactCode);
      expect(code).toEqual({ accountId: summary.accountId, relayUrl: relay.url, accessKey: expect.any(Uint8Array) });
      await waitFor('carol online', () => carol.engine.connection.value.state === 'online');
      await introduce(carol, bob, 'Bob');
      await carol.engine.sendText(directId(bob), 'before the lock');
      await waitForTexts(bob, directId(carol), 1);

      // Locking the vault stops the engine.
      const locked = new Promise<void>((resolve) => carol.engine.on('locked', () => resolve()));
      await carol.vault.lock({});
      await locked;
      expect(carol.engine.running).toBe(false);
      expect(carol.engine.connection.value.state).toBe('offline');
      expect((await engineFailure(carol.engine.start())).code).toBe('LOCKED');
      expect((await engineFailure(carol.engine.sendText(directId(bob), 'x'))).code).toBe('NOT_STARTED');

      await carol.vault.unlock({ passphrase: 'correct horse' });
      carol.engine = carol.newEngine();
      await carol.engine.start();
      const history = await carol.allMessages(directId(bob));
      expect(history.map((m) => m.body)).toEqual(['before the lock']);
      await carol.engine.sendText(directId(bob), 'after the unlock');
      await waitForTexts(bob, directId(carol), 2);
    } finally {
      await carol.dispose();
    }
  });

  it('keeps the identity when the relay was unreachable, and registers later', async () => {
    const dave = TestClient.offline('dave');
    try {
      const unreachable = 'http://127.0.0.1:9';
      expect((await engineFailure(dave.engine.createAccount({ relayUrl: unreachable }))).code).toBe(
        'RELAY_UNREACHABLE',
      );
      expect((await engineFailure(dave.engine.start())).code).toBe('NOT_REGISTERED');
      expect((await engineFailure(dave.engine.createAccount({ relayUrl: relay.url }))).code).toBe('IDENTITY_EXISTS');
      const summary = await dave.engine.register(relay.url);
      expect(summary.relayUrl).toBe(relay.url);
      await waitFor('dave online', () => dave.engine.connection.value.state === 'online');
    } finally {
      await dave.dispose();
    }
  });

  it('refuses a relay URL that is not one', async () => {
    const eve = TestClient.offline('eve');
    try {
      for (const relayUrl of ['relay.example.org', 'ftp://relay.example.org', 'https://user:pw@relay.example.org']) {
        expect((await engineFailure(eve.engine.createAccount({ relayUrl }))).code).toBe('INVALID_RELAY_URL');
      }
      expect((await eve.vault.getStatus({})).state).toBe('no-identity');
    } finally {
      await eve.dispose();
    }
  });
});

describe('contact codes', () => {
  it('refuses what is not a contact code, our own code, unknown accounts and other relays', async () => {
    expect((await engineFailure(alice.engine.addContact('hello'))).code).toBe('INVALID_CONTACT_CODE');
    expect((await engineFailure(alice.engine.addContact(`${bob.contactCode}&x=1`))).code).toBe('INVALID_CONTACT_CODE');
    expect((await engineFailure(alice.engine.addContact(alice.contactCode))).code).toBe('OWN_CONTACT_CODE');
    const stranger = formatContactCode({ accountId: generateIdentity().accountId, relayUrl: relay.url });
    expect((await engineFailure(alice.engine.addContact(stranger))).code).toBe('UNKNOWN_ACCOUNT');
    const elsewhere = formatContactCode({ accountId: bob.accountId, relayUrl: 'https://relay.example.org' });
    expect((await engineFailure(alice.engine.addContact(elsewhere))).code).toBe('FOREIGN_RELAY');
    expect(await alice.engine.queries.contacts()).toEqual([]);
  });

  it('accepts a pasted code with whitespace, and adding again keeps the sessions', async () => {
    const { conversationId, devices } = await alice.engine.addContact(`  ${bob.contactCode}\n`, '  Bob  ');
    expect(devices).toEqual([1]);
    const starts = alice.transport.calls.get('startSessions') ?? 0;
    await alice.engine.addContact(bob.contactCode, 'Bobby');
    expect(alice.transport.calls.get('startSessions') ?? 0).toBe(starts);
    expect((await alice.engine.queries.contact(bob.accountId))?.displayName).toBe('Bobby');
    expect(conversationId).toBe(directId(bob));
  });
});

describe('messages', () => {
  it('refuses empty, malformed and oversized text and unknown conversations', async () => {
    expect((await engineFailure(alice.engine.sendText(directId(bob), '   '))).code).toBe('INVALID_MESSAGE');
    expect((await engineFailure(alice.engine.sendText(directId(bob), 'bad \ud800 text'))).code).toBe('INVALID_MESSAGE');
    expect((await engineFailure(alice.engine.sendText(directId(bob), 'x'.repeat(70_000)))).code).toBe(
      'INVALID_MESSAGE',
    );
    expect((await engineFailure(alice.engine.sendText('direct:nobody', 'hi'))).code).toBe('UNKNOWN_CONVERSATION');
    expect((await engineFailure(alice.engine.retry('00000000-0000-4000-8000-000000000000'))).code).toBe(
      'UNKNOWN_MESSAGE',
    );
  });

  it('marks a message failed after too many attempts, and retry sends it', async () => {
    await alice.restart({
      overrides: { outbox: { maxAttempts: 2, backoff: { initialMs: 50, maxMs: 100, multiplier: 2, jitter: 0 } } },
    });
    await waitFor('alice online', () => alice.engine.connection.value.state === 'online');
    const failed: string[] = [];
    alice.engine.on('message-state', (change) => {
      if (change.state === 'failed') failed.push(change.messageId);
    });
    alice.transport.unreachable = true;
    const message = await alice.engine.sendText(directId(bob), 'will fail first');
    await waitFor('message failed', () => failed.includes(message.id));
    expect((await alice.engine.database.messages.get(message.id))?.state).toBe('failed');
    expect(alice.engine.connection.value.queuedMessages).toBe(0);

    alice.transport.unreachable = false;
    await alice.engine.retry(message.id);
    const texts = await waitForTexts(bob, directId(alice), 1);
    expect(texts.map((m) => m.body)).toContain('will fail first');
    await waitFor('delivered', async () =>
      (await alice.engine.database.messages.get(message.id))?.state === 'delivered' ? true : null,
    );
  });
});
