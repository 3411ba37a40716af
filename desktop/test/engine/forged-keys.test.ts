/**
 * A relay that lies about keys, played by a proxy in front of a real relay.
 * Account ids commit to identity keys, so every key that does not belong to
 * its id is the relay's forgery, and the engine refuses it outright:
 * - a bundle with another key when adding a contact: refused, nothing stored,
 *   and the sentence names the relay;
 * - a pre-key message from a stranger relabelled as a contact's: acked (it
 *   never comes back), one notice naming the relay in the contact's history
 *   however often it repeats, the contact's session and key untouched, and
 *   the contact's next real message decrypts;
 * - a forged bundle for a contact while sending: the send fails (retryable)
 *   and the same notice says why.
 * There is nothing to accept anywhere.
 */
import { generateIdentity, toBase64 } from '@parley/crypto-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { errorSentence } from '../../src/renderer/app/state/error-sentences.js';
import { EngineError } from '../../src/renderer/engine/errors.js';
import type { EngineEvents } from '../../src/renderer/engine/events.js';
import { directId, introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
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

/** The proxy serves `victim`'s bundles with another identity key (all of them, or one device's). */
function forgeBundlesOf(victim: TestClient, path = `/v1/keys/bundles/${victim.accountId}`): void {
  const foreignKey = toBase64(generateIdentity().identityKey);
  proxy.hooks.httpResponse = (requested, body) => {
    if (!requested.startsWith(path)) return body;
    const bundles = body as BundlesBody;
    return { ...bundles, bundles: bundles.bundles.map((bundle) => ({ ...bundle, identityKey: foreignKey })) };
  };
}

/** The proxy delivers Mallory's envelopes as if Alice's device had sent them. */
function relabelMallorysEnvelopesAsAlices(): void {
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
}

function droppedAsForged(client: TestClient): number {
  return client.logger.lines.filter(
    (line) =>
      line.message === 'envelope dropped' && String(line.details?.reason).startsWith('forged key for a contact'),
  ).length;
}

it('refuses a bundle whose identity key does not belong to the account id, naming the relay', async () => {
  forgeBundlesOf(bob);
  try {
    const refusal = await alice.engine.addContact(bob.contactCode, 'Bob').then(
      () => null,
      (error: unknown) => error,
    );
    expect(EngineError.is(refusal, 'ACCOUNT_ID_MISMATCH')).toBe(true);
    expect((refusal as EngineError).relayUrl).toBe(proxy.url);
    expect(errorSentence(refusal)).toBe(
      `Your relay (${proxy.url}) sent keys that don't belong to this contact code, so Parley refused them; check the code with your contact.`,
    );
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

it("refuses a stranger's pre-key message relabelled as a contact's: acked, one notice naming the relay, the contact unharmed", async () => {
  await alice.engine.sendText(directId(bob), 'hi Bob, it is Alice');
  await waitForTexts(bob, directId(alice), 1);
  const trustBefore = await bob.vault.getContactIdentity({ accountId: alice.accountId });
  const safetyBefore = await bob.engine.safetyNumber(alice.accountId);

  await introduce(mallory, bob);
  relabelMallorysEnvelopesAsAlices();
  const notices: EngineEvents['forged-key'][] = [];
  bob.engine.on('forged-key', (notice) => notices.push(notice));
  try {
    await mallory.engine.sendText(directId(bob), 'it is me, Alice, really');
    await waitFor('the forgery noticed', () => notices.length > 0);
    expect(notices).toEqual([{ accountId: alice.accountId, conversationId: directId(alice), relayUrl: proxy.url }]);
    const history = await bob.allMessages(directId(alice));
    expect(history.map((m) => [m.kind, m.body])).toEqual([
      ['text', 'hi Bob, it is Alice'],
      ['forged-key', proxy.url],
    ]);
    // The forged text is nowhere, not even in a conversation (or a request) of Mallory's.
    const listed = [...(await bob.engine.queries.conversations()), ...(await bob.engine.queries.requests())];
    expect(listed.map((c) => c.id)).toEqual([directId(alice)]);

    // Again: refused and acked, and no second notice while nothing else happened.
    await mallory.engine.sendText(directId(bob), 'Alice again, honestly');
    await waitFor('the second forgery dropped', () => droppedAsForged(bob) === 2);
    await bob.engine.whenIdle();
    expect((await bob.allMessages(directId(alice))).filter((m) => m.kind === 'forged-key')).toHaveLength(1);
  } finally {
    proxy.hooks.socketEvent = undefined;
  }

  // Acked, so nothing comes back after a restart; nothing about Alice changed.
  await bob.restart();
  await bob.engine.whenDrained();
  await bob.engine.whenIdle();
  expect(droppedAsForged(bob)).toBe(2);
  expect(await bob.vault.getContactIdentity({ accountId: alice.accountId })).toEqual(trustBefore);
  expect(await bob.engine.safetyNumber(alice.accountId)).toEqual(safetyBefore);
  expect(await bob.engine.queries.contact(alice.accountId)).toMatchObject({ displayName: null, verified: false });

  // Alice's next real message decrypts on the untouched session, and Bob's answer reaches her.
  await alice.engine.sendText(directId(bob), 'the real Alice, still');
  const texts = await waitForTexts(bob, directId(alice), 2);
  expect(texts.map((m) => m.body)).toEqual(['hi Bob, it is Alice', 'the real Alice, still']);
  await bob.engine.sendText(directId(alice), 'hi Alice');
  await waitForTexts(alice, directId(bob), 2);
  expect((await alice.allMessages(directId(bob))).filter((m) => m.kind === 'forged-key')).toEqual([]);

  // Something else happened since the notice: the next forgery gets a notice of its own.
  relabelMallorysEnvelopesAsAlices();
  const later: EngineEvents['forged-key'][] = [];
  bob.engine.on('forged-key', (notice) => later.push(notice));
  try {
    await mallory.engine.sendText(directId(bob), 'one more time, as Alice');
    await waitFor('a notice for the forgery after the real messages', () => later.length > 0);
  } finally {
    proxy.hooks.socketEvent = undefined;
  }
  expect((await bob.allMessages(directId(alice))).map((m) => [m.kind, m.direction])).toEqual([
    ['text', 'incoming'],
    ['forged-key', 'incoming'],
    ['text', 'incoming'],
    ['text', 'outgoing'],
    ['forged-key', 'incoming'],
  ]);
});

it('fails a send when the relay forges the recipient’s bundle, with the notice, and keeps the session', async () => {
  const sessionsBefore = await alice.vault.getSessionDevices({ accountId: bob.accountId });
  await bob.engine.stop();
  // Receipts still on their way would meet the lie first: the text below must be the next send.
  await waitFor('alice has nothing left to send', async () => (await alice.engine.database.outbox.count()) === 0);
  // The relay claims Bob's device needs a new session and serves a bundle with another key for it.
  let claimed = false;
  proxy.hooks.socketAnswer = (args) => {
    const [answer] = args as [{ ok?: boolean; envelopeIds?: unknown }];
    if (claimed || answer?.ok !== true || answer.envelopeIds === undefined) return args;
    claimed = true;
    return [{ ok: false, error: { code: 'DEVICE_MISMATCH', message: 'new device', missingDevices: [1] } }];
  };
  forgeBundlesOf(bob, `/v1/keys/bundles/${bob.accountId}/1`);
  const notices: EngineEvents['forged-key'][] = [];
  alice.engine.on('forged-key', (notice) => notices.push(notice));
  try {
    const sent = await alice.engine.sendText(directId(bob), 'to Bob, past a lying relay');
    await waitForStates(alice, [sent.id], ['failed']);
    expect(notices).toEqual([{ accountId: bob.accountId, conversationId: directId(bob), relayUrl: proxy.url }]);
    const history = await alice.allMessages(directId(bob));
    expect(history.filter((m) => m.kind === 'forged-key').map((m) => m.body)).toEqual([proxy.url]);
    expect(await alice.vault.getSessionDevices({ accountId: bob.accountId })).toEqual(sessionsBefore);
  } finally {
    proxy.hooks.socketAnswer = undefined;
    proxy.hooks.httpResponse = undefined;
  }
  // With an honest relay again, Alice's next message reaches Bob on the same session.
  await bob.restart();
  await alice.engine.sendText(directId(bob), 'and now it goes through');
  // The relay stored the text whose answer it replaced, so Bob may get it too: wait for this one by its body.
  await waitFor('bob receives the text sent past an honest relay', async () =>
    (await bob.allMessages(directId(alice))).some((m) => m.body === 'and now it goes through') ? true : null,
  );
});
