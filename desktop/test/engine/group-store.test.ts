/**
 * The group change set in IndexedDB (groups/group-store.ts): changes the
 * vault verified are merged, folded and stored together; the stored set
 * folds to the same state after a reopen; a signature nobody vouched for is
 * refused even though the body is well-formed.
 */
import {
  generateIdentity,
  prepareGroupChange,
  prepareGroupCreate,
  signGroupChange,
  toBase64,
} from '@parley/crypto-core';
import { GroupChangeSet, verifyGroupChange } from '@parley/crypto-core/group';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { GroupStore, vouchedBy } from '../../src/renderer/engine/groups/group-store.js';
import { memoryDatabase, randomDataKey } from '../support/memory-database.js';

const profile = { relayUrl: 'https://relay.test.example', accessKey: toBase64(new Uint8Array(16).fill(3)) };

function wire(change: { body: Uint8Array; signature: Uint8Array }) {
  return { body: toBase64(change.body), signature: toBase64(change.signature) };
}

describe('the group store', () => {
  it('merges, folds and keeps a group across a reopen', async () => {
    const alice = generateIdentity();
    const bob = generateIdentity();
    const author = { accountId: alice.accountId, identityKey: alice.identityKey };
    const created = prepareGroupCreate(author, {
      name: 'Hikers',
      profile,
      members: [{ accountId: bob.accountId, relayUrl: profile.relayUrl, accessKey: profile.accessKey }],
    });
    const signedCreate = signGroupChange(alice, created.body);
    const create = wire(signedCreate);
    const set = new GroupChangeSet(created.groupId, [verifyGroupChange(signedCreate, vouchedBy([create]))]);
    const rename = wire(signGroupChange(alice, prepareGroupChange(set, author, { action: 'rename', name: 'Walkers' })));

    const indexedDB = new IDBFactory();
    const dataKey = randomDataKey();
    const db = await memoryDatabase({ name: 'groups', indexedDB, dataKey });
    const store = new GroupStore(db, bob.accountId);
    // Out of order: the rename before its create is held and applied once the create is in.
    const first = await store.merge(created.groupId, [rename], alice.accountId);
    expect(first.added).toHaveLength(1);
    expect(first.record.state).toBeNull();
    const second = await store.merge(created.groupId, [create], alice.accountId);
    expect(second.record.state?.name).toBe('Walkers');
    expect(second.record.membership).toBe('invited');
    expect(second.record.invitedBy).toBe(alice.accountId);
    const again = await store.merge(created.groupId, [create, rename], alice.accountId);
    expect(again.added).toHaveLength(0);
    db.close();

    const reopened = await memoryDatabase({ name: 'groups', indexedDB, dataKey });
    const stored = await new GroupStore(reopened, bob.accountId).loadSet(created.groupId);
    expect(stored.size).toBe(2);
    expect((await reopened.groups.get(created.groupId))?.state?.name).toBe('Walkers');
    reopened.close();
  });

  it('accepts only the signatures it was told the vault verified', () => {
    const alice = generateIdentity();
    const created = prepareGroupCreate(
      { accountId: alice.accountId, identityKey: alice.identityKey },
      { name: 'G', profile, members: [] },
    );
    const signed = signGroupChange(alice, created.body);
    const other = signGroupChange(alice, created.body); // XEdDSA is randomized: another valid signature
    expect(verifyGroupChange(signed, vouchedBy([wire(signed)])).body.id).toBeDefined();
    expect(() => verifyGroupChange(other, vouchedBy([wire(signed)]))).toThrow(/signature/);
  });
});
