/**
 * A relay whose trust root changes after it was pinned (docs/protocol.md §5):
 * refused and shown. The proxy in front of the relay plays the relay that
 * swaps its root; the pin in the vault stays, the status bar names the relay,
 * and adding a contact there is refused with a sentence naming it.
 */
import { generateTrustRoot, toBase64 } from '@parley/crypto-core';
import { normalizeRelayUrl } from '@parley/crypto-core/wire';
import { expect, it } from 'vitest';
import { errorSentence } from '../../src/renderer/app/state/error-sentences.js';
import type { ConnectionStatus } from '../../src/renderer/engine/connection-status.js';
import { EngineError } from '../../src/renderer/engine/errors.js';
import { useProxiedPair } from '../support/proxied-relay.js';
import type { TestClient } from '../support/test-client.js';
import { waitFor } from '../support/wait.js';

const world = useProxiedPair();

function latestStatus(client: TestClient): ConnectionStatus {
  let status: ConnectionStatus | undefined;
  client.engine.connection.subscribe((value) => {
    status = value;
  })();
  if (status === undefined) throw new Error('no status');
  return status;
}

it('refuses a relay that serves another trust root than the pinned one, and names it', async () => {
  const { proxy, alice, bob } = world;
  const relayUrl = normalizeRelayUrl(proxy.url);
  const pinned = await waitFor(
    'alice pinned her relay',
    async () => (await alice.engine.database.relays.get(relayUrl))?.trustRoot,
  );
  const swapped = toBase64(generateTrustRoot().publicKey);
  proxy.hooks.httpResponse = (path, body) =>
    path.startsWith('/v1/trust-root') ? { ...(body as object), publicKey: swapped } : body;
  try {
    await alice.restart();
    const status = await waitFor('the status bar names the relay', () => {
      const current = latestStatus(alice);
      return (current.refusedRelays ?? []).length > 0 ? current : null;
    });
    expect(status.refusedRelays).toEqual([relayUrl]);

    const refusal = await alice.engine.addContact(bob.contactCode, 'Bob').then(
      () => null,
      (error: unknown) => error,
    );
    expect(EngineError.is(refusal, 'TRUST_ROOT_CHANGED')).toBe(true);
    expect((refusal as EngineError).relayUrl).toBe(relayUrl);
    expect(errorSentence(refusal)).toContain(relayUrl);
    expect(await alice.engine.queries.contact(bob.accountId)).toBeNull();

    // The pin is the first root still, and the relays table agrees.
    expect(await alice.vault.pinTrustRoot({ relayUrl, trustRoot: pinned })).toEqual({ relayUrl, pinned: 'same' });
    expect((await alice.engine.database.relays.get(relayUrl))?.trustRoot).toBe(pinned);
  } finally {
    proxy.hooks.httpResponse = undefined;
  }
});
