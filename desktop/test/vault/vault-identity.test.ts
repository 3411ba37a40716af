import { newDistributionId } from '@parley/crypto-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawDevice } from './support/raw-device.js';
import { TestRelay } from './support/test-relay.js';
import type { Party } from './support/vault-harness.js';
import {
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
      changed: false,
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

  it('surfaces a changed identity key as an event and UNTRUSTED_IDENTITY; approving trusts exactly that key', async () => {
    const events: unknown[] = [];
    bob.vault.on('identity-changed', (payload) => events.push(payload));
    expect(await errorCodeOf(bob.vault, 'approveIdentity', { accountId: alice.account.accountId })).toBe(
      'INVALID_ARGUMENT',
    );

    // Someone else's key, arriving under Alice's address.
    const impostor = new RawDevice();
    await impostor.startSession(relay.bundles(bob.account.accountId));
    const forged = await impostor.envelope(
      bob.address,
      { type: 'text', id: crypto.randomUUID(), sentAt: 1, body: 'it is me, alice' },
      alice.address,
    );
    const [refused] = await receive(relay, bob, [forged]);
    expect(errorCode(refused)).toBe('UNTRUSTED_IDENTITY');
    expect(events).toEqual([{ accountId: alice.account.accountId }]);
    // Nothing changed yet: Alice's real messages still decrypt, her key is still the trusted one.
    expect(textBody((await receive(relay, bob, await send(relay, alice, bob, text('the real alice'))))[0])).toBe(
      'the real alice',
    );
    expect(await call(bob.vault, 'getContactIdentity', { accountId: alice.account.accountId })).toMatchObject({
      changed: false,
    });

    await call(bob.vault, 'approveIdentity', { accountId: alice.account.accountId });
    expect(await call(bob.vault, 'getContactIdentity', { accountId: alice.account.accountId })).toMatchObject({
      trust: 'approved',
      changed: true,
    });
    // The same envelope, redelivered: now it opens (its one-time prekey was not consumed by the refusal).
    expect(textBody((await receive(relay, bob, [forged]))[0])).toBe('it is me, alice');
    // And the replaced key is refused now.
    const fromRealAlice = await send(relay, alice, bob, text('me again'), false);
    expect(errorCode((await receive(relay, bob, fromRealAlice))[0])).toBe('UNTRUSTED_IDENTITY');
  });

  it('takes sender keys out of group content and processes them in the vault', async () => {
    const dave = new RawDevice();
    await dave.startSession(relay.bundles(carol.account.accountId));
    const distributionId = newDistributionId();
    const distribution = await dave.group.createDistributionMessage(distributionId);
    const groupId = crypto.randomUUID();
    const create = await dave.envelope(carol.address, {
      type: 'group',
      action: 'create',
      id: crypto.randomUUID(),
      sentAt: 5,
      groupId,
      name: 'Friends',
      members: [dave.identity.accountId, carol.account.accountId],
      senderKeyDistribution: distribution,
    });
    const rotate = await dave.envelope(carol.address, {
      type: 'sender-key',
      groupId,
      senderKeyDistribution: await dave.group.createDistributionMessage(newDistributionId()),
    });
    const [created, rotated] = await receive(relay, carol, [create, rotate]);
    expect(opened(created).content).toEqual({
      type: 'group',
      action: 'create',
      id: expect.any(String),
      sentAt: 5,
      groupId,
      name: 'Friends',
      members: [dave.identity.accountId, carol.account.accountId],
    });
    expect(JSON.stringify(created)).not.toContain(Buffer.from(distribution).toString('base64'));
    expect(opened(rotated).content).toBeNull();
    expect(opened(rotated).sender).toEqual(dave.address);
  });

  function relayless() {
    return new RawDevice().identity.accountId;
  }
});
