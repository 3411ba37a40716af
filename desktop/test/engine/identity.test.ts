/**
 * A relay that lies, played by a proxy in front of a real relay:
 * - it serves a bundle whose identity key is not the one the account id
 *   commits to: addContact refuses it, and nothing is stored;
 * - it relabels a stranger's envelope as coming from a known contact (the
 *   only way an "identity change" can happen, since account ids commit to
 *   keys): the change is recorded once, shown as a notice, surfaced as an
 *   event, the envelope is held rather than dropped, and approving the new
 *   key lets it through.
 */
import { generateIdentity, toBase64 } from '@parley/crypto-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EngineError } from '../../src/renderer/engine/errors.js';
import { directId, introduce, waitForTexts } from '../support/conversation-helpers.js';
import { RelayProxy } from '../support/relay-proxy.js';
import { TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { waitFor } from '../support/wait.js';

let relay: RelayProcess;
let proxy: RelayProxy;
let alice: TestClient;
let bob: TestClient;
let mallory: TestClient;

beforeAll(async () => {
  proxy = await RelayProxy.start();
  relay = await startRelay({ args: ['--public-url', proxy.url] });
  proxy.target = relay.url;
  [alice, bob, mallory] = await Promise.all([
    TestClient.create('alice', proxy.url),
    TestClient.create('bob', proxy.url),
    // Mallory sends unsealed, so the relay (and the proxy) see a source to relabel.
    TestClient.create('mallory', proxy.url, { outbox: { sealedSender: false } }),
  ]);
});

afterAll(async () => {
  await Promise.allSettled([alice?.dispose(), bob?.dispose(), mallory?.dispose()]);
  await proxy?.close();
  await relay?.dispose();
});

interface BundlesBody {
  accountId: string;
  bundles: Array<{ identityKey: string }>;
}

it('refuses a bundle whose identity key does not belong to the account id', async () => {
  const foreignKey = toBase64(generateIdentity().identityKey);
  proxy.hooks.httpResponse = (path, body) => {
    if (!path.startsWith(`/v1/keys/bundles/${bob.accountId}`)) return body;
    const bundles = body as BundlesBody;
    return { ...bundles, bundles: bundles.bundles.map((bundle) => ({ ...bundle, identityKey: foreignKey })) };
  };
  try {
    const refusal = await alice.engine.addContact(bob.contactCode, 'Bob').then(
      () => null,
      (error: unknown) => error,
    );
    expect(EngineError.is(refusal, 'ACCOUNT_ID_MISMATCH')).toBe(true);
    expect((refusal as EngineError).message).toMatch(/do not belong/);
    expect(await alice.engine.queries.contact(bob.accountId)).toBeNull();
    expect(await alice.engine.queries.conversations()).toEqual([]);
    const sessions = await alice.vault.getSessionDevices({ accountId: bob.accountId });
    expect(sessions.devices).toEqual([]);
  } finally {
    proxy.hooks.httpResponse = undefined;
  }
  // With an honest answer the same code works.
  expect((await alice.engine.addContact(bob.contactCode, 'Bob')).conversationId).toBe(directId(bob));
});

it('surfaces an identity change, holds the message, and lets it through once approved', async () => {
  await alice.engine.sendText(directId(bob), 'hi Bob, it is Alice');
  await waitForTexts(bob, directId(alice), 1);

  await introduce(mallory, bob);
  proxy.hooks.socketEvent = (event, args) => {
    if (event !== 'envelopes') return args;
    return args.map((batch) =>
      (batch as Array<{ source?: { accountId: string; deviceId: number } }>).map((envelope) =>
        envelope.source?.accountId === mallory.accountId
          ? { ...envelope, source: { accountId: alice.accountId, deviceId: 1 } }
          : envelope,
      ),
    );
  };
  const changes: unknown[] = [];
  bob.engine.on('identity-changed', (change) => changes.push(change));

  await mallory.engine.sendText(directId(bob), 'it is me, Alice, really');
  await waitFor('identity change surfaced', () => changes.length > 0);
  expect(changes).toEqual([{ accountId: alice.accountId, conversationId: directId(alice) }]);
  expect(await bob.engine.queries.contact(alice.accountId)).toMatchObject({ identityChanged: true, verified: false });
  const history = await bob.allMessages(directId(alice));
  expect(history.map((m) => [m.kind, m.body])).toEqual([
    ['text', 'hi Bob, it is Alice'],
    ['identity-changed', null],
  ]);

  // Held at the relay, not dropped: a restart sees it again, and records no second notice.
  await bob.restart();
  await bob.engine.whenDrained();
  await bob.engine.whenIdle();
  const afterRestart = await bob.allMessages(directId(alice));
  expect(afterRestart.filter((m) => m.kind === 'identity-changed')).toHaveLength(1);
  expect(afterRestart.filter((m) => m.kind === 'text')).toHaveLength(1);

  await bob.engine.approveIdentity(alice.accountId);
  const texts = await waitForTexts(bob, directId(alice), 2);
  expect(texts.map((m) => m.body)).toEqual(['hi Bob, it is Alice', 'it is me, Alice, really']);
  expect(await bob.engine.queries.contact(alice.accountId)).toMatchObject({ identityChanged: false });
  proxy.hooks.socketEvent = undefined;
});
