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
  opened,
  receive,
  removeTemporaryDirs,
  send,
  text,
  textBody,
} from './support/vault-harness.js';

afterAll(removeTemporaryDirs);

describe('two and three vaults talking through a relay', () => {
  const relay = new TestRelay();
  let alice: Party;
  let bob: Party;
  let carol: Party;

  beforeAll(async () => {
    alice = await createParty(relay);
    bob = await createParty(relay);
    carol = await createParty(relay);
  });

  it('starts sessions from relay bundles and lists the devices', async () => {
    expect(await call(alice.vault, 'getSessionDevices', { accountId: bob.account.accountId })).toEqual({ devices: [] });
    expect(
      await errorCodeOf(alice.vault, 'encrypt', {
        recipient: bob.account.accountId,
        content: text('too early'),
        relayUrl: relay.url,
      }),
    ).toBe('NO_SESSION');
    expect(await connect(relay, alice, bob)).toEqual([1]);
    expect(await call(alice.vault, 'getSessionDevices', { accountId: bob.account.accountId })).toEqual({
      devices: [1],
    });
  });

  it('round-trips sealed and unsealed messages both ways', async () => {
    const first = await send(relay, alice, bob, text('hello bob (sealed)'));
    expect(first).toHaveLength(1);
    expect(first[0]?.type).toBe('sealed');
    expect(first[0]?.source).toBeUndefined();
    const [sealedOutcome] = await receive(relay, bob, first);
    expect(textBody(sealedOutcome)).toBe('hello bob (sealed)');
    expect(opened(sealedOutcome).sender).toEqual(alice.address);
    expect(opened(sealedOutcome).sealed).toBe(true);

    // Bob answers over the session Alice's first message set up: no bundle needed.
    const reply = await send(relay, bob, alice, text('hi alice (unsealed)'), false);
    expect(reply[0]?.type).toBe('message');
    const [replyOutcome] = await receive(relay, alice, reply);
    expect(textBody(replyOutcome)).toBe('hi alice (unsealed)');
    expect(opened(replyOutcome).sealed).toBe(false);
    expect(opened(replyOutcome).sender).toEqual(bob.address);

    const unsealed = await send(relay, alice, bob, text('unsealed now'), false);
    expect(unsealed[0]?.type).toBe('message');
    expect(textBody((await receive(relay, bob, unsealed))[0])).toBe('unsealed now');
    const sealedReply = await send(relay, bob, alice, text('sealed back'));
    expect(textBody((await receive(relay, alice, sealedReply))[0])).toBe('sealed back');
  });

  it('carries receipts and typing, and keeps a batch in order', async () => {
    const envelopes = [
      ...(await send(relay, alice, bob, text('one'))),
      ...(await send(relay, alice, bob, { type: 'typing', action: 'started', sentAt: Date.now() })),
      ...(await send(relay, alice, bob, text('two'), false)),
      ...(await send(relay, alice, bob, {
        type: 'receipt',
        kind: 'read',
        messageIds: [crypto.randomUUID()],
        sentAt: Date.now(),
      })),
    ];
    const outcomes = await receive(relay, bob, envelopes);
    expect(outcomes.map((outcome) => opened(outcome).content?.type)).toEqual(['text', 'typing', 'text', 'receipt']);
    expect(outcomes.map((outcome) => opened(outcome).envelopeId)).toEqual(envelopes.map((envelope) => envelope.id));
  });

  it('works among three parties, in every direction', async () => {
    await connect(relay, carol, alice);
    await connect(relay, carol, bob);
    await connect(relay, bob, carol);
    const parties = { alice, bob, carol };
    for (const [fromName, from] of Object.entries(parties)) {
      for (const [toName, to] of Object.entries(parties)) {
        if (from === to) continue;
        const devices = await call(from.vault, 'getSessionDevices', { accountId: to.account.accountId });
        if (devices.devices.length === 0) await connect(relay, from, to);
        const body = `${fromName} -> ${toName}`;
        const sealed = fromName !== 'carol';
        const outcome = (await receive(relay, to, await send(relay, from, to, text(body), sealed)))[0];
        expect(textBody(outcome)).toBe(body);
        expect(opened(outcome).sender).toEqual(from.address);
      }
    }
  });

  it('answers a redelivered envelope from the cache until released, then DUPLICATE_MESSAGE', async () => {
    const envelopes = await send(relay, alice, bob, text('deliver me twice'));
    const first = await receive(relay, bob, envelopes);
    const again = await receive(relay, bob, envelopes);
    expect(again).toEqual(first);
    // Duplicates inside one batch too.
    const twice = await receive(relay, bob, [...envelopes, ...envelopes]);
    expect(twice).toEqual([...first, ...first]);

    await call(bob.vault, 'releaseDecrypted', { envelopeIds: envelopes.map((envelope) => envelope.id) });
    expect(errorCode((await receive(relay, bob, envelopes))[0])).toBe('DUPLICATE_MESSAGE');
    // A reused envelope id with other content is refused, not answered from the cache.
    const other = await send(relay, alice, bob, text('another'));
    const [firstOther] = other;
    if (firstOther === undefined) throw new Error('no envelope');
    await receive(relay, bob, other);
    const forged = { ...firstOther, content: envelopes[0]?.content ?? '' };
    expect(errorCode((await receive(relay, bob, [forged]))[0])).toBe('INVALID_MESSAGE');
  });

  it('gives a renderer that crashed before its commit the same plaintext after a vault restart', async () => {
    const envelopes = [
      ...(await send(relay, alice, bob, text('crash 1'))),
      ...(await send(relay, alice, bob, text('crash 2'), false)),
    ];
    const before = await receive(relay, bob, envelopes);
    expect(before.map(textBody)).toEqual(['crash 1', 'crash 2']);
    // The renderer dies here; the host process restarts with it.
    await call(bob.vault, 'lock', {});
    const restarted = keychainVault(bob.profileDir, bob.keychain);
    await call(restarted, 'unlock', {});
    const redelivered = await call(restarted, 'decrypt', { relayUrl: relay.url, envelopes });
    expect(redelivered.results).toEqual(before);
    await call(restarted, 'releaseDecrypted', { envelopeIds: envelopes.map((envelope) => envelope.id) });
    const afterRelease = await call(restarted, 'decrypt', { relayUrl: relay.url, envelopes });
    expect(afterRelease.results.map(errorCode)).toEqual(['DUPLICATE_MESSAGE', 'DUPLICATE_MESSAGE']);
    // The session goes on.
    const next = await send(relay, alice, bob, text('after the crash'));
    expect(textBody((await call(restarted, 'decrypt', { relayUrl: relay.url, envelopes: next })).results[0])).toBe(
      'after the crash',
    );
    await call(restarted, 'lock', {});
    bob = { ...bob, vault: restarted };
  });

  it('keeps one bad envelope from failing the batch', async () => {
    const good = await send(relay, alice, bob, text('good'));
    const tampered = (await send(relay, alice, bob, text('tampered'), false)).map((envelope) => ({
      ...envelope,
      content: Buffer.from(
        Buffer.from(envelope.content, 'base64').map((byte, index) => (index === 10 ? byte ^ 1 : byte)),
      ).toString('base64'),
    }));
    const misaddressed = (await send(relay, alice, bob, text('other device'))).map((envelope) => ({
      ...envelope,
      destinationDeviceId: 2,
    }));
    await call(bob.vault, 'unlock', {});
    const outcomes = await receive(relay, bob, [...tampered, ...good, ...misaddressed]);
    expect(errorCode(outcomes[0])).toBe('INVALID_MESSAGE');
    expect(textBody(outcomes[1])).toBe('good');
    expect(errorCode(outcomes[2])).toBe('INVALID_MESSAGE');
  });

  it('refuses sealed sending without a certificate and a certificate that is not ours', async () => {
    const otherRelay = new TestRelay('https://other-relay.test.example');
    expect(
      await errorCodeOf(alice.vault, 'encrypt', {
        recipient: bob.account.accountId,
        content: text('x'),
        relayUrl: otherRelay.url,
      }),
    ).toBe('INVALID_CERTIFICATE');
    // Bob's certificate, offered to Alice.
    expect(
      await errorCodeOf(alice.vault, 'setSenderCertificate', {
        relayUrl: relay.url,
        certificate: Buffer.from(relay.senderCertificate(bob.address)).toString('base64'),
        trustRoot: Buffer.from(relay.trustRoot.publicKey).toString('base64'),
      }),
    ).toBe('INVALID_CERTIFICATE');
    // Alice's certificate under a root other than the one given.
    expect(
      await errorCodeOf(alice.vault, 'setSenderCertificate', {
        relayUrl: relay.url,
        certificate: Buffer.from(relay.senderCertificate(alice.address)).toString('base64'),
        trustRoot: Buffer.from(otherRelay.trustRoot.publicKey).toString('base64'),
      }),
    ).toBe('INVALID_CERTIFICATE');
  });
});
