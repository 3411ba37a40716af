/**
 * decrypt's `release` field: the engine releases what it committed in the
 * same vault commit as its next batch. The released ids are forgotten (a
 * redelivery is then DUPLICATE_MESSAGE), the batch's own outcomes stay cached,
 * a failed call releases nothing, and all of it survives a restart as
 * committed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRelay } from './support/test-relay.js';
import type { Party } from './support/vault-harness.js';
import {
  call,
  connect,
  createParty,
  errorCode,
  errorCodeOf,
  keychainVault,
  receive,
  removeTemporaryDirs,
  send,
  text,
  textBody,
} from './support/vault-harness.js';

afterAll(removeTemporaryDirs);

describe('decrypt with release folded in', () => {
  const relay = new TestRelay();
  let alice: Party;
  let bob: Party;

  beforeAll(async () => {
    alice = await createParty(relay);
    bob = await createParty(relay);
    await connect(relay, alice, bob);
  });

  it('releases the earlier batch and keeps the new one cached, in one call', async () => {
    const first = [
      ...(await send(relay, alice, bob, text('first a'))),
      ...(await send(relay, alice, bob, text('first b'))),
    ];
    const firstOutcomes = await receive(relay, bob, first);
    expect(firstOutcomes.map(textBody)).toEqual(['first a', 'first b']);

    const second = await send(relay, alice, bob, text('second'));
    const secondOutcomes = await call(bob.vault, 'decrypt', {
      relayUrl: relay.url,
      envelopes: second,
      release: first.map((envelope) => envelope.id),
    });
    expect(secondOutcomes.results.map(textBody)).toEqual(['second']);

    // The first batch is gone from the cache; the second is still answered from it.
    expect((await receive(relay, bob, first)).map(errorCode)).toEqual(['DUPLICATE_MESSAGE', 'DUPLICATE_MESSAGE']);
    expect(await receive(relay, bob, second)).toEqual(secondOutcomes.results);
  });

  it('answers a released id redelivered in the same call from the cache, then forgets it', async () => {
    const envelopes = await send(relay, alice, bob, text('copy in flight'));
    const before = await receive(relay, bob, envelopes);
    const ids = envelopes.map((envelope) => envelope.id);
    // A copy still between the engine's stages arrives with its own release: decrypted first, released after.
    const again = await call(bob.vault, 'decrypt', { relayUrl: relay.url, envelopes, release: ids });
    expect(again.results).toEqual(before);
    expect((await receive(relay, bob, envelopes)).map(errorCode)).toEqual(['DUPLICATE_MESSAGE']);
  });

  it('releases nothing when the call is refused', async () => {
    const envelopes = await send(relay, alice, bob, text('kept'));
    const before = await receive(relay, bob, envelopes);
    const tooMany = Array.from({ length: 1001 }, () => crypto.randomUUID());
    expect(await errorCodeOf(bob.vault, 'decrypt', { relayUrl: relay.url, envelopes, release: tooMany })).toBe(
      'INVALID_ARGUMENT',
    );
    expect(
      await errorCodeOf(bob.vault, 'decrypt', { relayUrl: relay.url, envelopes, release: ['not-an-envelope-id'] }),
    ).toBe('INVALID_ARGUMENT');
    expect(await receive(relay, bob, envelopes)).toEqual(before);
  });

  it('keeps a folded release after a restart, and ignores unknown ids', async () => {
    const released = await send(relay, alice, bob, text('released before the restart'));
    await receive(relay, bob, released);
    const kept = await send(relay, alice, bob, text('cached across the restart'));
    const keptOutcomes = await call(bob.vault, 'decrypt', {
      relayUrl: relay.url,
      envelopes: kept,
      release: [...released.map((envelope) => envelope.id), crypto.randomUUID()],
    });
    await call(bob.vault, 'lock', {});
    const restarted = keychainVault(bob.profileDir, bob.keychain);
    await call(restarted, 'unlock', {});
    const redelivered = await call(restarted, 'decrypt', { relayUrl: relay.url, envelopes: [...released, ...kept] });
    expect(errorCode(redelivered.results[0])).toBe('DUPLICATE_MESSAGE');
    expect(redelivered.results[1]).toEqual(keptOutcomes.results[0]);
    await call(restarted, 'lock', {});
  });
});
