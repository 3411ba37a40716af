/**
 * Contacts on another relay (docs/protocol.md §4.6): Alice lives on relay A,
 * Bob on relay B, two real relays on 127.0.0.1. Alice adds Bob's code: his
 * bundles come from B with the code's access key, and her sends go to B's
 * unauthenticated POST /v1/messages, sealed, without any account of hers
 * there. Texts go both ways, receipts and typing arrive, and B's log learns
 * nothing about Alice. A key B refuses is ACCESS_DENIED as on one relay.
 *
 * Needs per-relay trust roots (wip/trust) or the shared-root bridge in
 * relay-pair.ts: Bob's vault must accept Alice's certificate from relay A.
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
  const bLog = relays.b.output.slice(bLogBefore);
  expect(bLog).toContain('"/v1/messages"');
  expect(bLog).toContain('"/v1/keys/bundles/:accountId"');
  expect(bLog).not.toContain(alice.accountId);
  expect(bLog).not.toContain('127.0.0.1');
  const requestLines = bLog
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(requestLines.length).toBeGreaterThan(0);
  for (const line of requestLines) {
    for (const key of ['ip', 'ips', 'remoteAddress', 'remotePort', 'req', 'hostname', 'url', 'accountId']) {
      expect(line, `relay B log line ${JSON.stringify(line)}`).not.toHaveProperty(key);
    }
  }
  // Nor does Alice hold any account on B: her id is unknown there.
  expect(relays.b.output).not.toContain(alice.accountId);
});

it("keeps today's ACCESS_DENIED handling for a contact on another relay whose key is refused", async () => {
  const carol = await client('carol', relays.a.url);
  const dave = await client('dave', relays.b.url);
  const oldCode = dave.contactCode;
  await dave.engine.resetContactCode();
  expect((await engineFailure(carol.engine.addContact(oldCode, 'Dave'))).code).toBe('ACCESS_DENIED');

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
