/**
 * Sealed-sender trust across relays with two real relays on 127.0.0.1
 * (docs/protocol.md §5, Sealed sender): a stranger on relay B writes first
 * to Alice on relay A, with Alice's contact code. Alice's vault does not know
 * relay B's trust root; her engine learns the relay from the stranger's
 * profile, fetches B's root over B's URL, pins it and reads the message.
 *
 * Carol's side is driven through her vault and raw HTTP (the relay's
 * unauthenticated sealed send, protocol §4.7), so this test does not need
 * the engine's cross-relay sending.
 */
import { toBase64 } from '@parley/crypto-core';
import { parseContactCode, routes } from '@parley/crypto-core/wire';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OutgoingContent } from '../../src/common/vault-api.js';
import type { EngineEvents } from '../../src/renderer/engine/events.js';
import { directId, waitForTexts } from '../support/conversation-helpers.js';
import { TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { waitFor } from '../support/wait.js';
import { call } from '../vault/support/vault-harness.js';

let relayA: RelayProcess;
let relayB: RelayProcess;
let alice: TestClient;
let carol: TestClient;

beforeAll(async () => {
  [relayA, relayB] = await Promise.all([startRelay(), startRelay()]);
  [alice, carol] = await Promise.all([TestClient.create('alice', relayA.url), TestClient.create('carol', relayB.url)]);
});

afterAll(async () => {
  for (const client of [alice, carol]) await client?.dispose().catch(() => undefined);
  await Promise.all([relayA?.dispose(), relayB?.dispose()]);
});

/** Carol, with Alice's code, seals `content` under her relay B certificate and posts it to relay A. */
async function carolSends(content: OutgoingContent): Promise<void> {
  const code = parseContactCode(alice.contactCode);
  if (code.accessKey === null) throw new Error("alice's code carries no access key");
  const accessKey = toBase64(code.accessKey);
  const encrypt = () =>
    call(carol.vault, 'encrypt', { recipient: code.accountId, content, sealed: true, relayUrl: relayB.url });
  // Carol's engine installs her relay B certificate once it is connected.
  const { messages } = await waitFor('carol holds a sender certificate', () => encrypt().catch(() => null));
  const response = await fetch(`${code.relayUrl}${routes.messages}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ recipient: code.accountId, messages, accessKey }),
  });
  expect(response.status).toBe(200);
}

it("reads a stranger's first message from another relay once it pinned that relay's root", async () => {
  const code = parseContactCode(alice.contactCode);
  // Relay A holds Alice's access keys once her engine registered them after connecting.
  await waitFor('alice registered her access keys', () => alice.engine.database.getSetting('accessKeysRegistered'));
  // Carol starts a session from Alice's bundle, claimed on relay A with the code's key.
  const bundles = await fetch(`${code.relayUrl}${routes.bundles}/${code.accountId}`, {
    headers: { 'Parley-Access-Key': toBase64(code.accessKey ?? new Uint8Array()) },
  });
  expect(bundles.status).toBe(200);
  await call(carol.vault, 'startSessions', { bundles: await bundles.json() });

  const changed: EngineEvents['trust-root-changed'][] = [];
  alice.engine.on('trust-root-changed', (event) => changed.push(event));
  const contactKey = toBase64(new Uint8Array(16).fill(9));
  await carolSends({ type: 'profile', accessKey: contactKey, relayUrl: relayB.url });
  await carolSends({ type: 'text', id: crypto.randomUUID(), sentAt: Date.now(), body: 'hello from relay B' });

  const conversationId = directId(carol);
  const texts = await waitForTexts(alice, conversationId, 1);
  expect(texts.map((message) => message.body)).toEqual(['hello from relay B']);
  expect(alice.logger.lines.some((line) => line.message === "could not pin a sender's relay")).toBe(false);
  expect(changed).toEqual([]);
  // Carol's record names the relay that certified her, and relay B's root is pinned for it.
  expect((await alice.engine.database.contacts.get(carol.accountId))?.relayUrl).toBe(relayB.url);
  expect((await alice.engine.database.relays.get(relayB.url))?.trustRoot).toEqual(expect.any(String));
  expect(alice.logger.lines.filter((line) => line.message === 'envelope dropped')).toEqual([]);
});
