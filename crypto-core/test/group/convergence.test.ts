/**
 * Same set, same state: members that receive the same changes in any order
 * end in the same state, and the state is the one the rule says (the highest
 * (clock, author) rename wins, a removal and the removed member's change are
 * ordered the same for everyone).
 */
import { describe, expect, it } from 'vitest';
import { groupMessages } from '../../src/group/anti-entropy.js';
import { GroupChangeSet } from '../../src/group/change-set.js';
import { foldGroup } from '../../src/group/fold.js';
import type { VerifiedGroupChange } from '../../src/group/signed-change.js';
import { verifyIdentitySignature } from '../../src/signal/signatures.js';
import { extended, foundedGroup, type Member, memberOf, members, stateOf } from './group-kit.js';

function* permutations<T>(items: readonly T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const tail of permutations(rest)) yield [items[i] as T, ...tail];
  }
}

/** What a member holding `base` ends with after receiving `arrivals` one by one, folding after each. */
function receiveInOrder(base: GroupChangeSet, arrivals: readonly VerifiedGroupChange[]) {
  const set = new GroupChangeSet(base.groupId, base.sorted());
  for (const change of arrivals) {
    set.merge([change.signed], verifyIdentitySignature);
    foldGroup(set);
  }
  return foldGroup(set);
}

/** Every order of `arrivals` ends in one and the same fold; returns it. */
function expectOrderIndependent(base: GroupChangeSet, arrivals: readonly VerifiedGroupChange[]) {
  const [first, ...others] = [...permutations(arrivals)].map((order) => receiveInOrder(base, order));
  if (first === undefined) throw new Error('no orders');
  for (const fold of others) expect(fold).toEqual(first);
  expect(others.length + 1).toBe([...permutations(arrivals)].length);
  return first;
}

describe('concurrent admins', () => {
  const [alice, bob, carol] = members(3) as [Member, Member, Member];

  function twoAdmins(): GroupChangeSet {
    const set = foundedGroup(alice, [bob, carol]);
    set.add(alice.change(set, { action: 'promote', members: [bob.id] }));
    return set;
  }

  it('rename at the same clock: the higher author id wins on every member, in either order', () => {
    const base = twoAdmins();
    const byAlice = alice.change(base, { action: 'rename', name: 'Alice was here' });
    const byBob = bob.change(base, { action: 'rename', name: 'Bob was here' });
    expect(byAlice.body.clock).toBe(byBob.body.clock);
    const fold = expectOrderIndependent(base, [byAlice, byBob]);
    // members() sorts by account id: bob's id is the higher one.
    expect(fold.state?.name).toBe('Bob was here');
    expect(stateOf(extended(base, byAlice, byBob))).toEqual(fold.state);
    expect(stateOf(extended(base, byBob, byAlice))).toEqual(fold.state);
  });

  it('rename after having seen more: the higher clock wins whatever the author', () => {
    const base = twoAdmins();
    const byBob = bob.change(base, { action: 'rename', name: 'Bob' });
    const seenMore = extended(base, carol.change(base, { action: 'describe', description: 'x' }));
    const byAlice = alice.change(seenMore, { action: 'rename', name: 'Alice' });
    expect(byAlice.body.clock).toBeGreaterThan(byBob.body.clock);
    const arrivals = [...seenMore.sorted().slice(base.size), byAlice, byBob];
    expect(expectOrderIndependent(base, arrivals).state?.name).toBe('Alice');
  });

  it('five concurrent changes by three members converge in all 120 orders', () => {
    const base = twoAdmins();
    const arrivals = [
      alice.change(base, { action: 'rename', name: 'A' }),
      bob.change(base, { action: 'rename', name: 'B' }),
      carol.change(base, { action: 'describe', description: 'by carol' }),
      alice.change(base, { action: 'remove', members: [carol.id] }),
      bob.change(base, { action: 'set-avatar', avatar: { contentType: 'image/png', data: 'iVBO' } }),
    ];
    const fold = expectOrderIndependent(base, arrivals);
    // All at one clock, so by author: alice's rename and removal of carol, bob's two, then carol's, skipped.
    expect(fold.outcomes.slice(base.size).map((outcome) => [outcome.author, outcome.applied])).toEqual([
      [alice.id, true],
      [alice.id, true],
      [bob.id, true],
      [bob.id, true],
      [carol.id, false],
    ]);
    expect(fold.state).toMatchObject({ name: 'B', description: '', avatar: { data: 'iVBO' } });
  });

  it('two admins removing each other: the first in the fold order wins everywhere', () => {
    const base = twoAdmins();
    const aliceRemovesBob = alice.change(base, { action: 'remove', members: [bob.id] });
    const bobRemovesAlice = bob.change(base, { action: 'remove', members: [alice.id] });
    const fold = expectOrderIndependent(base, [aliceRemovesBob, bobRemovesAlice]);
    expect(memberOf(fold.state ?? stateOf(base), alice)).toMatchObject({ role: 'admin' });
    expect(memberOf(fold.state ?? stateOf(base), bob)).toBeUndefined();
    expect(fold.outcomes.at(-1)).toMatchObject({ id: bobRemovesAlice.body.id, applied: false, reason: 'not-joined' });
  });
});

describe('removal concurrent with the removed member', () => {
  const [alice, bob, carol] = members(3) as [Member, Member, Member];

  it("skips the removed member's concurrent change everywhere when the removal sorts first", () => {
    const base = foundedGroup(alice, [bob, carol]);
    // Same clock, and alice's id sorts before carol's: the removal comes first.
    const removal = alice.change(base, { action: 'remove', members: [carol.id] });
    const carols = carol.change(base, { action: 'rename', name: 'Carol was here' });
    expect(removal.body.clock).toBe(carols.body.clock);
    const fold = expectOrderIndependent(base, [removal, carols]);
    expect(fold.state?.name).toBe(stateOf(base).name);
    expect(fold.outcomes.find((outcome) => outcome.id === carols.body.id)).toMatchObject({
      applied: false,
      reason: 'not-joined',
    });
  });

  it("applies the removed member's concurrent change everywhere when it sorts first, then the removal", () => {
    const base = foundedGroup(alice, [bob, carol]);
    base.add(alice.change(base, { action: 'promote', members: [carol.id] }));
    // Same clock, and bob's id sorts before carol's: bob's rename comes first.
    const removal = carol.change(base, { action: 'remove', members: [bob.id] });
    const bobs = bob.change(base, { action: 'rename', name: 'Bob was here' });
    const fold = expectOrderIndependent(base, [removal, bobs]);
    expect(fold.state?.name).toBe('Bob was here');
    expect(memberOf(fold.state ?? stateOf(base), bob)).toBeUndefined();
  });

  it("keeps the removed member's change when it was made at a lower clock than the removal", () => {
    const base = foundedGroup(alice, [bob, carol]);
    const carols = carol.change(base, { action: 'rename', name: 'Carol was here' });
    const later = extended(base, alice.change(base, { action: 'describe', description: 'later' }));
    const removal = alice.change(later, { action: 'remove', members: [carol.id] });
    const fold = expectOrderIndependent(base, [...later.sorted().slice(base.size), removal, carols]);
    expect(fold.state?.name).toBe('Carol was here');
    expect(memberOf(fold.state ?? stateOf(base), carol)).toBeUndefined();
  });
});

describe('catching up', () => {
  const [alice, bob, carol, dave, erin] = members(5) as [Member, Member, Member, Member, Member];

  it('a member offline during several changes reaches the same state from them in any order', () => {
    const base = foundedGroup(alice, [bob, carol, dave]);
    const live = new GroupChangeSet(base.groupId, base.sorted());
    const made: VerifiedGroupChange[] = [];
    const make = (change: VerifiedGroupChange) => {
      live.add(change);
      made.push(change);
    };
    make(alice.change(live, { action: 'invite', members: [erin.ref()] }));
    make(erin.change(live, { action: 'accept', profile: erin.profile('Erin') }));
    make(erin.change(live, { action: 'rename', name: 'Erin named it' }));
    make(bob.change(live, { action: 'leave' }));
    const fold = expectOrderIndependent(base, made);
    expect(fold).toEqual(foldGroup(live));
    expect(fold.state?.name).toBe('Erin named it');
    // Erin's rename alone, before her invitation and accept arrive, changes nothing yet.
    expect(receiveInOrder(base, [made[2] as VerifiedGroupChange]).state?.name).toBe(stateOf(base).name);
  });

  it("a newcomer who receives the inviter's whole set reaches the inviter's state, checking every signature", () => {
    const set = foundedGroup(alice, [bob, carol]);
    set.add(bob.change(set, { action: 'rename', name: 'Crag' }));
    set.add(carol.change(set, { action: 'invite', members: [dave.ref()] }));
    const history = groupMessages(set, set.sorted(), 'update');
    const newcomer = new GroupChangeSet(set.groupId);
    for (const message of [...history].reverse()) {
      const { refused } = newcomer.merge([...message.changes].reverse(), verifyIdentitySignature);
      expect(refused).toEqual([]);
    }
    expect(foldGroup(newcomer)).toEqual(foldGroup(set));
    expect(memberOf(stateOf(newcomer), dave)).toMatchObject({ status: 'invited', invitedBy: carol.id });
  });

  it('a newcomer refuses what the inviter slipped in unsigned, and keeps the rest', () => {
    const set = foundedGroup(alice, [bob]);
    const forged = bob.change(set, { action: 'rename', name: 'Forged' });
    const tampered = { body: forged.signed.body, signature: new Uint8Array(64).fill(1) };
    const newcomer = new GroupChangeSet(set.groupId);
    const { refused } = newcomer.merge(
      [...set.sorted().map((change) => change.signed), tampered],
      verifyIdentitySignature,
    );
    expect(refused.map(({ error }) => error.code)).toEqual(['INVALID_SIGNATURE']);
    expect(foldGroup(newcomer)).toEqual(foldGroup(set));
  });
});
