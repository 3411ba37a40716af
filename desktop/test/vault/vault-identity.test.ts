import {
  accountIdMatches,
  GroupChangeSet,
  groupMessages,
  newDistributionId,
  prepareGroupCreate,
  type RemoteIdentityRecord,
  signGroupChange,
  toBase64,
  uuidToBytes,
  verifyGroupChange,
  verifyIdentitySignature,
} from '@parley/crypto-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VAULT_METHODS } from '../../src/common/vault-api.js';
import { RawDevice } from './support/raw-device.js';
import { TestRelay } from './support/test-relay.js';
import type { Party } from './support/vault-harness.js';
import {
  attempt,
  call,
  connect,
  createParty,
  errorCode,
  errorCodeOf,
  opened,
  receive,
  removeTemporaryDirs,
  send,
  text,
  textBody,
} from './support/vault-harness.js';
import { collectVaultSecrets } from './support/vault-secrets.js';

afterAll(removeTemporaryDirs);

describe('contact identities', () => {
  const relay = new TestRelay();
  let alice: Party;
  let bob: Party;
  let carol: Party;

  beforeAll(async () => {
    [alice, bob, carol] = await Promise.all([createParty(relay), createParty(relay), createParty(relay)]);
    await connect(relay, alice, bob);
    await connect(relay, alice, carol);
    await receive(relay, bob, await send(relay, alice, bob, text('hi bob')));
    await receive(relay, carol, await send(relay, alice, carol, text('hi carol')));
  });

  it('records first-use trust and computes the same safety number on both sides', async () => {
    expect(await call(alice.vault, 'getContactIdentity', { accountId: bob.account.accountId })).toMatchObject({
      accountId: bob.account.accountId,
      trust: 'first-use',
    });
    expect(await call(alice.vault, 'getContactIdentity', { accountId: relayless() })).toBeNull();
    const fromAlice = await call(alice.vault, 'getSafetyNumber', { accountId: bob.account.accountId });
    const fromBob = await call(bob.vault, 'getSafetyNumber', { accountId: alice.account.accountId });
    expect(fromAlice.digits).toMatch(/^\d{60}$/);
    expect(fromAlice.digits).toBe(fromBob.digits);
    expect(
      await call(alice.vault, 'compareSafetyNumber', { accountId: bob.account.accountId, scanned: fromBob.scannable }),
    ).toEqual({ match: true });
    const carolsCode = await call(carol.vault, 'getSafetyNumber', { accountId: alice.account.accountId });
    expect(
      await call(alice.vault, 'compareSafetyNumber', {
        accountId: bob.account.accountId,
        scanned: carolsCode.scannable,
      }),
    ).toEqual({ match: false });
    expect(
      await errorCodeOf(alice.vault, 'compareSafetyNumber', { accountId: bob.account.accountId, scanned: 'AAECAwQ=' }),
    ).toBe('INVALID_ENCODING');
    expect(await errorCodeOf(alice.vault, 'getSafetyNumber', { accountId: relayless() })).toBe('NO_SESSION');
  });

  it('marks a contact verified and back', async () => {
    const accountId = bob.account.accountId;
    await call(alice.vault, 'setVerified', { accountId, verified: true });
    expect(await call(alice.vault, 'getContactIdentity', { accountId })).toMatchObject({ trust: 'verified' });
    await call(alice.vault, 'setVerified', { accountId, verified: false });
    expect(await call(alice.vault, 'getContactIdentity', { accountId })).toMatchObject({ trust: 'first-use' });
    expect(await errorCodeOf(alice.vault, 'setVerified', { accountId: relayless(), verified: true })).toBe(
      'NO_SESSION',
    );
  });

  it("refuses a PreKey message with another key under a contact's address, and changes nothing", async () => {
    const aliceId = alice.account.accountId;
    const identityBefore = await call(bob.vault, 'getContactIdentity', { accountId: aliceId });
    const safetyBefore = await call(bob.vault, 'getSafetyNumber', { accountId: aliceId });

    // Someone else's key, arriving under Alice's address (only a relay can label it so).
    const impostor = new RawDevice();
    await impostor.startSession(relay.bundles(bob.account.accountId));
    const forged = await impostor.envelope(
      bob.address,
      { type: 'text', id: crypto.randomUUID(), sentAt: 1, body: 'it is me, alice' },
      alice.address,
    );
    const [refused] = await receive(relay, bob, [forged]);
    expect(refused).toEqual({
      ok: false,
      envelopeId: forged.id,
      error: { code: 'FORGED_IDENTITY', message: expect.any(String) },
      // The impersonated account; no sender to ask for a session.
      impersonated: aliceId,
    });
    // Refused again on redelivery: nothing was cached or learned from it.
    expect(errorCode((await receive(relay, bob, [forged]))[0])).toBe('FORGED_IDENTITY');

    // Alice's key, trust and safety number are as they were, and her session with Bob works both ways.
    expect(await call(bob.vault, 'getContactIdentity', { accountId: aliceId })).toEqual(identityBefore);
    expect(await call(bob.vault, 'getSafetyNumber', { accountId: aliceId })).toEqual(safetyBefore);
    expect(textBody((await receive(relay, bob, await send(relay, alice, bob, text('the real alice'))))[0])).toBe(
      'the real alice',
    );
    expect(textBody((await receive(relay, bob, await send(relay, alice, bob, text('unsealed'), false)))[0])).toBe(
      'unsealed',
    );
    expect(textBody((await receive(relay, alice, await send(relay, bob, alice, text('hi alice'))))[0])).toBe(
      'hi alice',
    );
  });

  it('refuses a sealed message whose relay-signed certificate names a contact with another key', async () => {
    const aliceId = alice.account.accountId;
    const impostor = new RawDevice();
    // The relay certifies Alice's id and device with the impostor's key; crypto-core's issuer would refuse.
    const forgedCertificate = relay.forgeCertificate(alice.address, impostor.identity.identityKey);
    const content = (body: string) => ({ type: 'text' as const, id: crypto.randomUUID(), sentAt: 2, body });

    // First as a sealed PreKey message, then (the impostor's session with Bob ratcheted) as an ordinary one.
    await impostor.startSession(relay.bundles(bob.account.accountId));
    const asPreKey = await impostor.sealedEnvelope(bob.address, content('sealed, it is alice'), forgedCertificate);
    const [first] = await receive(relay, bob, [asPreKey]);
    expect(first).toMatchObject({ ok: false, error: { code: 'FORGED_IDENTITY' }, impersonated: aliceId });
    expect(first).not.toHaveProperty('sender');

    const open = await impostor.envelope(bob.address, content('hello from the impostor itself'));
    expect(textBody((await receive(relay, bob, [open]))[0])).toBe('hello from the impostor itself');
    const { messages } = await call(bob.vault, 'encrypt', {
      recipient: impostor.identity.accountId,
      content: text('hi, stranger'),
      sealed: false,
      relayUrl: relay.url,
    });
    for (const { type, content: body } of messages) {
      if (type === 'sealed') throw new Error('asked for an unsealed reply');
      await impostor.session.decrypt(bob.address, { type, body: Buffer.from(body, 'base64') });
    }
    const asMessage = await impostor.sealedEnvelope(bob.address, content('sealed again'), forgedCertificate);
    const [second] = await receive(relay, bob, [asMessage]);
    expect(second).toMatchObject({ ok: false, error: { code: 'FORGED_IDENTITY' }, impersonated: aliceId });

    expect(await call(bob.vault, 'getContactIdentity', { accountId: aliceId })).toMatchObject({
      accountId: aliceId,
      trust: 'first-use',
    });
    expect(textBody((await receive(relay, bob, await send(relay, alice, bob, text('still alice'))))[0])).toBe(
      'still alice',
    );
  });

  it('offers no way to accept a refused key, and keeps nothing of one', async () => {
    // pinTrustRoot pins a relay's certificate root, never a contact's identity key.
    expect(VAULT_METHODS.filter((method) => /approve|accept|trust/i.test(method))).toEqual(['pinTrustRoot']);
    expect(await attempt(bob.vault, 'approveIdentity', { accountId: alice.account.accountId })).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_METHOD' },
    });
    await call(bob.vault, 'lock', {});
    try {
      const { records } = await collectVaultSecrets(bob.profileDir, bob.keychain);
      expect(records.filter((record) => record.kind === 'refused-identity')).toEqual([]);
      const remote = records.filter((record) => record.kind === 'remote-identity');
      // Only keys the account ids commit to.
      expect(remote.length).toBeGreaterThan(0);
      for (const record of remote) {
        expect(accountIdMatches(record.parts[0] ?? '', (record.value as RemoteIdentityRecord).identityKey)).toBe(true);
      }
    } finally {
      await call(bob.vault, 'unlock', {});
    }
  });

  it('hands over signed group changes it verified, as received, and keeps sender keys in the vault', async () => {
    const dave = new RawDevice();
    await dave.startSession(relay.bundles(carol.account.accountId));
    const { groupId, body } = prepareGroupCreate(dave.identity, {
      name: 'Friends',
      profile: { relayUrl: 'http://127.0.0.1:7447', accessKey: toBase64(new Uint8Array(16).fill(1)) },
      members: [
        {
          accountId: carol.account.accountId,
          relayUrl: 'http://127.0.0.1:7447',
          accessKey: toBase64(new Uint8Array(16)),
        },
      ],
    });
    const signed = signGroupChange(dave.identity, body);
    const set = new GroupChangeSet(groupId, [verifyGroupChange(signed, verifyIdentitySignature)]);
    const [message] = groupMessages(set, set.sorted(), 'update');
    if (message === undefined) throw new Error('no group message');
    const distributionId = newDistributionId();
    const distribution = await dave.group.createDistributionMessage(distributionId);
    const create = await dave.envelope(carol.address, message);
    const keys = await dave.envelope(carol.address, {
      type: 'sender-key',
      groupId,
      senderKeyDistribution: distribution,
    });
    const [created, distributed] = await receive(relay, carol, [create, keys]);
    expect(opened(created).content).toEqual({
      type: 'group',
      groupId,
      kind: 'update',
      changes: [{ body: toBase64(signed.body), signature: toBase64(signed.signature) }],
      digest: { count: 1, sha256: toBase64(set.digest().sha256) },
      have: toBase64(uuidToBytes(set.ids()[0] ?? '')),
      refused: [],
    });
    expect(JSON.stringify(distributed)).not.toContain(toBase64(distribution));
    expect(opened(distributed).content).toEqual({
      type: 'sender-key',
      groupId,
      distributionId,
    });
    expect(opened(distributed).sender).toEqual(dave.address);
  });

  function relayless() {
    return new RawDevice().identity.accountId;
  }
});
