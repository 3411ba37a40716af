/**
 * Contacts on another relay (docs/protocol.md §4.6): Alice lives on relay A,
 * Bob on relay B, two real relays on 127.0.0.1. Alice adds Bob's code: his
 * bundles come from B with the code's access key, and her sends go to B's
 * unauthenticated POST /v1/messages, sealed, without any account of hers
 * there. Texts go both ways, receipts and typing arrive, and B's log learns
 * nothing about Alice. A key B refuses is ACCESS_DENIED as on one relay.
 *
 * The tests of a conversation (texts both ways, receipts, typing, a refused
 * key after the profile exchange) need per-relay trust roots (wip/trust) or
 * the shared-root bridge in relay-pair.ts: Bob's vault must accept Alice's
 * certificate from relay A. The send-only and add-refusal tests do not.
 */
import { toBase64 } from '@parley/crypto-core/encoding';
import { normalizeRelayUrl } from '@parley/crypto-core/wire';
import { expect, it } from 'vitest';
import { introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
import { engineFailure } from '../support/engine-failure.js';
import { registeredClient, useRelayPair } from '../support/relay-pair.js';
import type { TestClient } from '../support/test-client.js';
import { waitFor } from '../support/wait.js';

const relays = useRelayPair('cross-relay');

function client(name: string, relayUrl: string): Promise<TestClient> {
  return registeredClient(relays, name, relayUrl);
}

/**
 * A relay's log since some point, which served a sender from another relay:
 * request lines for the bundle fetch and the sends, none naming the sender's
 * account or any client address.
 */
function expectNoSender(log: string, senderId: string): void {
  expect(log).toContain('"/v1/messages"');
  expect(log).toContain('"/v1/keys/bundles/:accountId"');
  expect(log).not.toContain(senderId);
  expect(log).not.toContain('127.0.0.1');
  const lines = log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    for (const key of ['ip', 'ips', 'remoteAddress', 'remotePort', 'req', 'hostname', 'url', 'accountId']) {
      expect(line, `relay log line ${JSON.stringify(line)}`).not.toHaveProperty(key);
    }
  }
}

it('sends to a contact on another relay with no account there: accepted (sent), and that relay logs nothing of the sender', async () => {
  const gina = await client('gina', relays.a.url);
  const hank = await client('hank', relays.b.url);
  const bLogBefore = relays.b.output.length;
  const ginaToHank = await introduce(gina, hank, 'Hank');
  const message = await gina.engine.sendText(ginaToHank, 'to relay B');
  await waitForStates(gina, [message.id], ['sent', 'delivered', 'read']);
  await waitFor('gina outbox empty', async () => ((await gina.engine.database.outbox.count()) === 0 ? true : null));
  expectNoSender(relays.b.output.slice(bLogBefore), gina.accountId);
});

it('exchanges texts, receipts and typing between contacts on two relays, and relay B logs nothing of the sender', async () => {
  const alice = await client('alice', relays.a.url);
  const bob = await client('bob', relays.b.url);
  const bLogBefore = relays.b.output.length;
  const aliceToBob = await introduce(alice, bob, 'Bob');
  const bobToAlice = await introduce(bob, alice, 'Alice');
  expect((await alice.engine.database.contacts.get(bob.accountId))?.relayUrl).toBe(normalizeRelayUrl(relays.b.url));
  expect((await bob.engine.database.contacts.get(alice.accountId))?.relayUrl).toBe(normalizeRelayUrl(relays.a.url));

  const first = await alice.engine.sendText(aliceToBob, 'hello from A');
  const [received] = await waitForTexts(bob, bobToAlice, 1);
  expect(received?.body).toBe('hello from A');
  await waitForStates(alice, [first.id], ['delivered', 'read']);
  await bob.engine.markRead(bobToAlice);
  await waitForStates(alice, [first.id], ['read']);

  const reply = await bob.engine.sendText(bobToAlice, 'hello from B');
  const aliceSees = await waitForTexts(alice, aliceToBob, 2);
  expect(aliceSees.map((m) => m.body)).toEqual(['hello from A', 'hello from B']);
  await waitForStates(bob, [reply.id], ['delivered', 'read']);
  await alice.engine.markRead(aliceToBob);
  await waitForStates(bob, [reply.id], ['read']);

  await alice.engine.setTyping(aliceToBob, true);
  await waitFor('bob sees alice typing', () =>
    bob.engine.typing.value.get(bobToAlice)?.includes(alice.accountId) === true ? true : null,
  );
  await bob.engine.setTyping(bobToAlice, true);
  await waitFor('alice sees bob typing', () =>
    alice.engine.typing.value.get(aliceToBob)?.includes(bob.accountId) === true ? true : null,
  );

  // Relay B served Alice's bundle fetch and sends: its log names neither her account nor any address.
  expectNoSender(relays.b.output.slice(bLogBefore), alice.accountId);
  expect(relays.b.output).not.toContain(alice.accountId);
});

it('refuses to add a contact on another relay from a code they reset (ACCESS_DENIED), storing nothing', async () => {
  const erin = await client('erin', relays.a.url);
  const frank = await client('frank', relays.b.url);
  const oldCode = frank.contactCode;
  await frank.engine.resetContactCode();
  expect((await engineFailure(erin.engine.addContact(oldCode, 'Frank'))).code).toBe('ACCESS_DENIED');
  expect(await erin.engine.queries.contacts()).toEqual([]);
  expect(await erin.engine.database.outbox.count()).toBe(0);
});

it("keeps today's ACCESS_DENIED handling when a contact on another relay refuses the key we hold", async () => {
  const carol = await client('carol', relays.a.url);
  const dave = await client('dave', relays.b.url);
  const carolToDave = await introduce(carol, dave, 'Dave');
  // Dave learns where Carol lives from her code (until profiles carry the sender's relay).
  await introduce(dave, carol, 'Carol');
  const daveKeys = await dave.engine.database.getSetting('accessKeys');
  // The profile exchange is over: nothing replaces the key set below.
  await waitFor('carol holds dave contact key', async () =>
    (await carol.engine.database.contacts.get(dave.accountId))?.accessKey === daveKeys?.contactKey ? true : null,
  );
  const denied = new Promise<string>((resolve) => carol.engine.on('access-denied', (e) => resolve(e.accountId)));
  // A key Dave never registered (a code he reset since).
  await carol.engine.database.contacts.update(dave.accountId, { accessKey: toBase64(new Uint8Array(16).fill(9)) });
  const message = await carol.engine.sendText(carolToDave, 'with a stale key');
  await waitForStates(carol, [message.id], ['failed']);
  expect(await denied).toBe(dave.accountId);
  expect((await carol.engine.database.contacts.get(dave.accountId))?.accessDeniedAt).toEqual(expect.any(Number));
  expect(await carol.engine.database.outbox.count()).toBe(0);
});
