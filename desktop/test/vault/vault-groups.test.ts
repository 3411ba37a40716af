import {
  type Bytes,
  prepareGroupChange,
  prepareGroupCreate,
  verifyGroupChange,
  verifyIdentitySignature,
} from '@parley/crypto-core';
import { fromBase64, toBase64 } from '@parley/crypto-core/encoding';
import { GroupChangeSet } from '@parley/crypto-core/group';
import type { Envelope } from '@parley/crypto-core/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupMessageContent } from '../../src/common/vault-api.js';
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
  textBody,
} from './support/vault-harness.js';

afterAll(removeTemporaryDirs);

const profile = { relayUrl: 'https://relay.test.example', accessKey: toBase64(new Uint8Array(16).fill(7)) };

async function author(party: Party) {
  const { accountId, identityKey } = await call(party.vault, 'groupAuthor', {});
  return { accountId, identityKey: fromBase64(identityKey) };
}

async function signed(party: Party, body: Bytes) {
  const { signature } = await call(party.vault, 'signGroupChange', { body: toBase64(body) });
  return { body, signature: fromBase64(signature) };
}

function groupText(groupId: string, body: string): GroupMessageContent {
  return { type: 'text', id: crypto.randomUUID(), sentAt: Date.now(), body, groupId };
}

describe('groups in the vault', () => {
  const relay = new TestRelay();
  let alice: Party;
  let bob: Party;
  let carol: Party;
  let groupId: string;

  async function senderKeyTo(to: Party, distributionId: string): Promise<Envelope[]> {
    return send(relay, alice, to, { type: 'sender-key', groupId, distributionId });
  }

  async function groupSend(content: GroupMessageContent, to: Party[]) {
    const result = await call(alice.vault, 'encryptGroup', {
      groupId,
      content,
      relayUrl: relay.url,
      relays: [{ relayUrl: relay.url, recipients: to.map((party) => ({ accountId: party.account.accountId })) }],
    });
    const upload = result.uploads[0];
    if (upload === undefined) throw new Error(`no upload: ${JSON.stringify(result)}`);
    return relay.deliverMulti(
      fromBase64(upload.payload),
      to.map((party) => party.account.accountId),
    );
  }

  beforeAll(async () => {
    alice = await createParty(relay);
    bob = await createParty(relay);
    carol = await createParty(relay);
    await connect(relay, alice, bob);
    await connect(relay, alice, carol);
  });

  it('signs a change naming our key, and nothing else', async () => {
    const me = await author(alice);
    expect(me.accountId).toBe(alice.account.accountId);
    const created = prepareGroupCreate(me, { name: 'Hikers', profile, members: [] });
    groupId = created.groupId;
    const change = await signed(alice, created.body);
    expect(verifyGroupChange(change, verifyIdentitySignature).body.action).toBe('create');

    // Bob's key in a body Alice is asked to sign: refused.
    const bobs = prepareGroupCreate(await author(bob), { name: 'Not mine', profile, members: [] });
    expect(await errorCodeOf(alice.vault, 'signGroupChange', { body: toBase64(bobs.body) })).toBe(
      'ACCOUNT_ID_MISMATCH',
    );
  });

  it('passes on only the changes that verify, saying which were refused', async () => {
    const create = prepareGroupCreate(await author(alice), { name: 'Climbers', profile, members: [] });
    const createChange = await signed(alice, create.body);
    const set = new GroupChangeSet(create.groupId, [verifyGroupChange(createChange, verifyIdentitySignature)]);
    const rename = await signed(alice, prepareGroupChange(set, await author(alice), { action: 'rename', name: 'X' }));
    const forged = { body: rename.body, signature: new Uint8Array(64).fill(1) };
    const envelopes = await send(relay, alice, bob, {
      type: 'group',
      groupId: create.groupId,
      kind: 'update',
      changes: [
        { body: toBase64(createChange.body), signature: toBase64(createChange.signature) },
        { body: toBase64(forged.body), signature: toBase64(forged.signature) },
      ],
      digest: { count: 1, sha256: toBase64(set.digest().sha256) },
    });
    const content = opened((await receive(relay, bob, envelopes))[0]).content;
    if (content?.type !== 'group') throw new Error(`expected group content, got ${content?.type}`);
    expect(content.changes).toEqual([
      { body: toBase64(createChange.body), signature: toBase64(createChange.signature) },
    ]);
    expect(content.refused.map(({ index, code }) => ({ index, code }))).toEqual([
      { index: 1, code: 'INVALID_SIGNATURE' },
    ]);
  });

  it('hands out the sender key only inside sender-key content, and opens group messages with it', async () => {
    const first = await call(alice.vault, 'groupDistribution', { groupId });
    expect(first.created).toBe(true);
    expect(await call(alice.vault, 'groupDistribution', { groupId })).toEqual({
      distributionId: first.distributionId,
      created: false,
    });
    const distributed = opened((await receive(relay, bob, await senderKeyTo(bob, first.distributionId)))[0]);
    expect(distributed.content).toEqual({ type: 'sender-key', groupId, distributionId: first.distributionId });

    const delivered = await groupSend(groupText(groupId, 'hello group'), [bob, carol]);
    const [bobOutcome] = await receive(relay, bob, delivered.get(bob.account.accountId) ?? []);
    expect(textBody(bobOutcome)).toBe('hello group');
    expect(opened(bobOutcome).groupId).toBe(groupId);
    expect(opened(bobOutcome).sender).toEqual(alice.address);

    // Carol has no sender key yet: NO_SENDER_KEY, naming the sender and the chain to ask for.
    const [carolOutcome] = await receive(relay, carol, delivered.get(carol.account.accountId) ?? []);
    expect(errorCode(carolOutcome)).toBe('NO_SENDER_KEY');
    expect(carolOutcome?.ok === false && carolOutcome.sender).toEqual(alice.address);
    expect(carolOutcome?.ok === false && carolOutcome.group).toEqual({
      groupId,
      distributionId: first.distributionId,
    });

    // Repaired: Carol reads what comes after her sender key.
    await receive(relay, carol, await senderKeyTo(carol, first.distributionId));
    const next = await groupSend(groupText(groupId, 'now you too'), [bob, carol]);
    expect(textBody((await receive(relay, carol, next.get(carol.account.accountId) ?? []))[0])).toBe('now you too');
  });

  it('rotates: the old key is not sent any more and its holder cannot read what follows', async () => {
    const old = await call(alice.vault, 'groupDistribution', { groupId });
    const rotated = await call(alice.vault, 'groupDistribution', { groupId, rotate: true });
    expect(rotated.created).toBe(true);
    expect(rotated.distributionId).not.toBe(old.distributionId);
    expect(
      await errorCodeOf(alice.vault, 'encrypt', {
        recipient: bob.account.accountId,
        content: { type: 'sender-key', groupId, distributionId: old.distributionId },
        relayUrl: relay.url,
      }),
    ).toBe('STALE_SENDER_KEY');
    // Bob was "removed": only Carol gets the new key.
    await receive(relay, carol, await senderKeyTo(carol, rotated.distributionId));
    const after = await groupSend(groupText(groupId, 'without bob'), [bob, carol]);
    expect(errorCode((await receive(relay, bob, after.get(bob.account.accountId) ?? []))[0])).toBe('NO_SENDER_KEY');
    expect(textBody((await receive(relay, carol, after.get(carol.account.accountId) ?? []))[0])).toBe('without bob');
  });

  it('keeps the chain across lock and unlock', async () => {
    const before = await call(alice.vault, 'groupDistribution', { groupId });
    await call(alice.vault, 'lock', {});
    await call(alice.vault, 'unlock', {});
    expect(await call(alice.vault, 'groupDistribution', { groupId })).toEqual({
      distributionId: before.distributionId,
      created: false,
    });
    const delivered = await groupSend(groupText(groupId, 'after unlock'), [carol]);
    expect(textBody((await receive(relay, carol, delivered.get(carol.account.accountId) ?? []))[0])).toBe(
      'after unlock',
    );
  });

  it('names recipients without sessions and encrypts nothing; refuses content of another group', async () => {
    const dave = await createParty(relay);
    const result = await call(alice.vault, 'encryptGroup', {
      groupId,
      content: groupText(groupId, 'to dave'),
      relayUrl: relay.url,
      relays: [
        {
          relayUrl: relay.url,
          recipients: [{ accountId: carol.account.accountId }, { accountId: dave.account.accountId }],
        },
      ],
    });
    expect(result.uploads).toEqual([]);
    expect(result.noSession).toEqual([dave.account.accountId]);
    expect(
      await errorCodeOf(alice.vault, 'encryptGroup', {
        groupId,
        content: groupText(crypto.randomUUID(), 'elsewhere'),
        relayUrl: relay.url,
        relays: [{ relayUrl: relay.url, recipients: [{ accountId: carol.account.accountId }] }],
      }),
    ).toBe('INVALID_ARGUMENT');
    expect(
      await errorCodeOf(bob.vault, 'encryptGroup', {
        groupId,
        content: groupText(groupId, 'no chain'),
        relayUrl: relay.url,
        relays: [{ relayUrl: relay.url, recipients: [{ accountId: carol.account.accountId }] }],
      }),
    ).toBe('NO_SENDER_KEY');
  });
});
