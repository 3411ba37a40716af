/**
 * Sealed senders from other relays (docs/protocol.md §5, Sealed sender): a
 * certificate is trusted under the pinned root of the sender's relay, the
 * outcome names that relay, a stranger's unknown relay is learnt from their
 * profile without touching the ratchet, and a pinned root never changes.
 */
import { generateTrustRoot } from '@parley/crypto-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutgoingContent } from '../../src/common/vault-api.js';
import { RawDevice } from './support/raw-device.js';
import { TestRelay } from './support/test-relay.js';
import {
  call,
  connect,
  createParty,
  errorCode,
  errorCodeOf,
  opened,
  type Party,
  receive,
  removeTemporaryDirs,
  text,
  textBody,
} from './support/vault-harness.js';

afterAll(removeTemporaryDirs);

const base64 = (data: Uint8Array) => Buffer.from(data).toString('base64');

describe('sealed senders on other relays', () => {
  // Alice lives on relay A; Carol on relay B. Alice's relay delivers Carol's envelopes.
  const relayA = new TestRelay('https://relay-a.test.example');
  const relayB = new TestRelay('https://Relay-B.test.example:443/');
  const canonicalB = 'https://relay-b.test.example';
  let alice: Party;
  let carol: Party;

  /** A sealed send to Alice from `sender`, certified by `home` (the sender's relay), delivered by relay A. */
  async function sealedToAlice(sender: Party, home: TestRelay, content: OutgoingContent) {
    const { messages } = await call(sender.vault, 'encrypt', {
      recipient: alice.account.accountId,
      content,
      sealed: true,
      relayUrl: home.url,
    });
    return relayA.deliver(sender.address, messages);
  }
  const fromCarol = (content: OutgoingContent) => sealedToAlice(carol, relayB, content);

  const profile = (relayUrl?: string): OutgoingContent => ({
    type: 'profile',
    accessKey: base64(new Uint8Array(16).fill(7)),
    ...(relayUrl === undefined ? {} : { relayUrl }),
  });

  beforeAll(async () => {
    [alice, carol] = await Promise.all([createParty(relayA), createParty(relayB)]);
    // Carol has Alice's code: she fetches Alice's bundle from relay A.
    await connect(relayA, carol, alice);
  });

  it('pins the home relay with the sender certificate, and refuses another root for it', async () => {
    const home = { relayUrl: relayA.url, trustRoot: base64(relayA.trustRoot.publicKey) };
    expect(await call(alice.vault, 'pinTrustRoot', home)).toEqual({ relayUrl: relayA.url, pinned: 'same' });
    const other = base64(generateTrustRoot().publicKey);
    expect(await errorCodeOf(alice.vault, 'pinTrustRoot', { relayUrl: relayA.url, trustRoot: other })).toBe(
      'TRUST_ROOT_CHANGED',
    );
    // A certificate from an impostor at the home relay's URL cannot move the pin either.
    const impostor = new TestRelay(relayA.url);
    const [bundle] = relayA.bundles(alice.account.accountId).bundles;
    if (bundle === undefined) throw new Error('no bundle');
    const certificate = impostor.certifyDevice(alice.address, Buffer.from(bundle.identityKey, 'base64'));
    expect(
      await errorCodeOf(alice.vault, 'setSenderCertificate', {
        relayUrl: relayA.url,
        certificate: base64(certificate),
        trustRoot: base64(impostor.trustRoot.publicKey),
      }),
    ).toBe('TRUST_ROOT_CHANGED');
  });

  it('holds a stranger from an unknown relay until its root is pinned, ratchet untouched', async () => {
    const [envelope] = await fromCarol(profile(canonicalB));
    if (envelope === undefined) throw new Error('no envelope');
    const [first] = await receive(relayA, alice, [envelope]);
    expect(first).toMatchObject({ ok: false, error: { code: 'UNKNOWN_SENDER_RELAY' }, unknownRelay: canonicalB });
    // Nothing moved: the same envelope gives the same answer (no DUPLICATE_MESSAGE), no identity recorded.
    const [again] = await receive(relayA, alice, [envelope]);
    expect(again).toMatchObject({ ok: false, error: { code: 'UNKNOWN_SENDER_RELAY' }, unknownRelay: canonicalB });
    expect(await call(alice.vault, 'getContactIdentity', { accountId: carol.account.accountId })).toBeNull();

    const pinned = await call(alice.vault, 'pinTrustRoot', {
      relayUrl: relayB.url,
      trustRoot: base64(relayB.trustRoot.publicKey),
    });
    expect(pinned).toEqual({ relayUrl: canonicalB, pinned: 'new' });
    const [held] = await receive(relayA, alice, [envelope]);
    const value = opened(held);
    expect(value).toMatchObject({ sender: carol.address, sealed: true, senderRelay: canonicalB });
    expect(value.content).toMatchObject({ type: 'profile', relayUrl: canonicalB });

    const [next] = await receive(relayA, alice, await fromCarol(text('hello from relay B')));
    expect(textBody(next)).toBe('hello from relay B');
    expect(opened(next).senderRelay).toBe(canonicalB);
    expect(
      await errorCodeOf(alice.vault, 'pinTrustRoot', {
        relayUrl: canonicalB,
        trustRoot: base64(generateTrustRoot().publicKey),
      }),
    ).toBe('TRUST_ROOT_CHANGED');
  });

  it('names the home relay for senders certified there', async () => {
    const bob = await createParty(relayA);
    await connect(relayA, bob, alice);
    const [outcome] = await receive(relayA, alice, await sealedToAlice(bob, relayA, text('same relay')));
    expect(opened(outcome).senderRelay).toBe(relayA.url);
  });

  it('refuses an unknown relay that names no relay, or names one whose root did not sign', async () => {
    const relayC = new TestRelay('https://relay-c.test.example');
    const dave = await createParty(relayC);
    await connect(relayA, dave, alice);
    const sendFromDave = (content: OutgoingContent) => sealedToAlice(dave, relayC, content);
    // A first message that is no profile: nothing says where to look.
    const [plain] = await receive(relayA, alice, await sendFromDave(text('guess my relay')));
    expect(errorCode(plain)).toBe('INVALID_CERTIFICATE');
    // A profile naming relay B, whose pinned root did not sign Dave's certificate.
    const [lying] = await receive(relayA, alice, await sendFromDave(profile(canonicalB)));
    expect(errorCode(lying)).toBe('INVALID_CERTIFICATE');
    expect(await call(alice.vault, 'getContactIdentity', { accountId: dave.account.accountId })).toBeNull();
  });

  it('tells a forged identity certified by a pinned foreign relay', async () => {
    const impostor = new RawDevice();
    await impostor.startSession(relayA.bundles(alice.account.accountId));
    // Relay B certifies Carol's id with the impostor's key.
    const forged = relayB.forgeCertificate(carol.address, impostor.identity.identityKey);
    const body = { type: 'text' as const, id: crypto.randomUUID(), sentAt: 3, body: 'it is carol' };
    const [outcome] = await receive(relayA, alice, [await impostor.sealedEnvelope(alice.address, body, forged)]);
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: 'FORGED_IDENTITY' },
      impersonated: carol.account.accountId,
    });
    // Carol's session with Alice still works.
    expect(textBody((await receive(relayA, alice, await fromCarol(text('still carol'))))[0])).toBe('still carol');
  });
});
