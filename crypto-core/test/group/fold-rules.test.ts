import { describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/encoding.js';
import { type CryptoErrorCode, ParleyCryptoError } from '../../src/errors.js';
import { prepareGroupChange } from '../../src/group/build-change.js';
import type { GroupAction } from '../../src/group/change-schema.js';
import type { GroupChangeSet } from '../../src/group/change-set.js';
import { foldGroup, replayGroup } from '../../src/group/fold.js';
import { skipReason } from '../../src/group/rules.js';
import type { VerifiedGroupChange } from '../../src/group/signed-change.js';
import { extended, foundedGroup, type Member, memberOf, members, setOf, stateOf } from './group-kit.js';

function refusedWith(run: () => unknown, code: CryptoErrorCode, reason?: string): void {
  try {
    run();
  } catch (error) {
    expect(ParleyCryptoError.is(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
    if (reason !== undefined) expect((error as Error).message).toContain(reason);
    return;
  }
  throw new Error(`expected ${code}, but the change was made`);
}

/** The outcome of `change` when it is added to `set`. */
function outcomeOf(set: GroupChangeSet, change: VerifiedGroupChange) {
  const outcome = foldGroup(extended(set, change)).outcomes.find((entry) => entry.id === change.body.id);
  if (outcome === undefined) throw new Error('no outcome');
  return outcome;
}

/** Forges `action` by `member` at `set`'s next clock and expects the fold to skip it for `reason`. */
function expectSkipped(
  set: GroupChangeSet,
  member: Member,
  action: Exclude<GroupAction, { action: 'create' }>,
  reason: string,
) {
  const change = member.forge(set.groupId, foldGroup(set).nextClock, action);
  expect(outcomeOf(set, change)).toMatchObject({ applied: false, reason });
  expect(stateOf(extended(set, change))).toEqual(stateOf(set));
  const code = reason === 'member-limit' || reason === 'history-full' ? 'GROUP_LIMIT' : 'GROUP_CHANGE_NOT_ALLOWED';
  refusedWith(() => prepareGroupChange(set, member.identity, action), code, reason);
}

describe('the fold: create, invite, accept, decline', () => {
  const [alice, bob, carol, dave] = members(4) as [Member, Member, Member, Member];

  it('founds the group with its creator as joined admin and the listed people invited', () => {
    const set = setOf([alice.create([bob, carol], 'Climbing')]);
    const state = stateOf(set);
    expect(state).toMatchObject({ name: 'Climbing', description: '', avatar: null, createdBy: alice.id, clock: 1 });
    expect(memberOf(state, alice)).toMatchObject({ status: 'joined', role: 'admin', joinedAt: 1, invitedBy: alice.id });
    expect(memberOf(state, bob)).toMatchObject({
      status: 'invited',
      role: 'member',
      joinedAt: null,
      invitedBy: alice.id,
      invitedAt: 1,
      relayUrl: bob.ref().relayUrl,
      accessKey: bob.accessKey,
      identityKey: toBase64(bob.identity.identityKey),
    });
    expect(state.members.map((member) => member.accountId)).toEqual([alice.id, bob.id, carol.id].sort());
    expect(foldGroup(set).nextClock).toBe(2);
  });

  it('joins an invited member who accepts, with the profile it gives', () => {
    const set = setOf([alice.create([bob])]);
    set.add(bob.change(set, { action: 'accept', profile: bob.profile('Bob') }));
    expect(memberOf(stateOf(set), bob)).toMatchObject({ status: 'joined', role: 'member', joinedAt: 2, name: 'Bob' });
  });

  it('lets only invited members accept or decline', () => {
    const set = foundedGroup(alice, [bob]);
    expectSkipped(set, bob, { action: 'accept', profile: bob.profile() }, 'not-invited');
    expectSkipped(set, carol, { action: 'decline' }, 'not-invited');
  });

  it('turns a decline into a former member', () => {
    const set = setOf([alice.create([bob])]);
    set.add(bob.change(set, { action: 'decline' }));
    const state = stateOf(set);
    expect(memberOf(state, bob)).toBeUndefined();
    expect(state.formerMembers).toEqual([{ accountId: bob.id, reason: 'declined', by: bob.id, at: 2, name: null }]);
  });

  it('lets any joined member invite, and nobody who is not joined', () => {
    const set = foundedGroup(alice, [bob]);
    set.add(alice.change(set, { action: 'invite', members: [carol.ref()] }));
    set.add(bob.change(set, { action: 'invite', members: [dave.ref()] }));
    expect(memberOf(stateOf(set), dave)).toMatchObject({ status: 'invited', invitedBy: bob.id });
    const outsider = members(1)[0] as Member;
    expectSkipped(set, carol, { action: 'invite', members: [outsider.ref()] }, 'not-joined');
    expectSkipped(set, outsider, { action: 'invite', members: [outsider.ref()] }, 'not-joined');
  });

  it('leaves members alone that an invite names again; the builder refuses to name them', () => {
    const set = foundedGroup(alice, [bob]);
    const again = alice.forge(set.groupId, 3, { action: 'invite', members: [{ ...bob.ref(), relayUrl: 'http://x' }] });
    expect(outcomeOf(set, again).applied).toBe(true);
    expect(memberOf(stateOf(extended(set, again)), bob)).toEqual(memberOf(stateOf(set), bob));
    refusedWith(
      () => prepareGroupChange(set, alice.identity, { action: 'invite', members: [bob.ref(), carol.ref()] }),
      'GROUP_CHANGE_NOT_ALLOWED',
      bob.id,
    );
  });
});

describe('the fold: leave, remove, promote and the admin fallback', () => {
  const [alice, bob, carol, dave] = members(4) as [Member, Member, Member, Member];

  it('lets a joined member leave, and an invited one only decline', () => {
    const set = foundedGroup(alice, [bob]);
    set.add(alice.change(set, { action: 'invite', members: [carol.ref()] }));
    expectSkipped(set, carol, { action: 'leave' }, 'not-joined');
    set.add(bob.change(set, { action: 'leave' }));
    expect(stateOf(set).formerMembers).toEqual([{ accountId: bob.id, reason: 'left', by: bob.id, at: 4, name: null }]);
  });

  it('lets admins remove joined and invited members, and nobody else', () => {
    const set = foundedGroup(alice, [bob, carol]);
    set.add(alice.change(set, { action: 'invite', members: [dave.ref()] }));
    expectSkipped(set, bob, { action: 'remove', members: [carol.id] }, 'not-admin');
    set.add(alice.change(set, { action: 'remove', members: [carol.id, dave.id] }));
    const state = stateOf(set);
    expect(state.members.map((member) => member.accountId)).toEqual([alice.id, bob.id].sort());
    expect(state.formerMembers.map(({ accountId, reason, by }) => [accountId, reason, by])).toEqual(
      [
        [carol.id, 'removed', alice.id],
        [dave.id, 'removed', alice.id],
      ].sort(),
    );
    refusedWith(
      () => prepareGroupChange(set, alice.identity, { action: 'remove', members: [alice.id] }),
      'GROUP_CHANGE_NOT_ALLOWED',
    );
  });

  it('lets admins promote joined members; an invited one stays a member', () => {
    const set = foundedGroup(alice, [bob]);
    set.add(alice.change(set, { action: 'invite', members: [carol.ref()] }));
    expectSkipped(set, bob, { action: 'promote', members: [bob.id] }, 'not-admin');
    refusedWith(
      () => prepareGroupChange(set, alice.identity, { action: 'promote', members: [carol.id] }),
      'GROUP_CHANGE_NOT_ALLOWED',
    );
    set.add(alice.change(set, { action: 'promote', members: [bob.id] }));
    expect(memberOf(stateOf(set), bob)?.role).toBe('admin');
    set.add(bob.change(set, { action: 'remove', members: [alice.id] }));
    expect(memberOf(stateOf(set), alice)).toBeUndefined();
  });

  it('makes the earliest joined member admin when the last admin goes', () => {
    const set = setOf([alice.create([bob, carol, dave])]);
    set.add(dave.change(set, { action: 'accept', profile: dave.profile() }));
    set.add(carol.change(set, { action: 'accept', profile: carol.profile() }));
    set.add(bob.change(set, { action: 'accept', profile: bob.profile() }));
    const leave = alice.change(set, { action: 'leave' });
    set.add(leave);
    const { state, outcomes } = foldGroup(set);
    // Each accepted after seeing the ones before: dave joined at clock 2, carol at 3, bob at 4.
    expect(outcomes.at(-1)).toMatchObject({ id: leave.body.id, applied: true, fallbackAdmin: dave.id });
    expect(state?.members.filter((member) => member.role === 'admin').map((member) => member.accountId)).toEqual([
      dave.id,
    ]);
  });

  it('breaks a tie in join clocks by the smallest account id', () => {
    const set = setOf([alice.create([bob, carol, dave])]);
    const accepts = [carol, dave, bob].map((member) =>
      member.change(set, { action: 'accept', profile: member.profile() }),
    );
    for (const accept of accepts) set.add(accept);
    expect(accepts.map((accept) => accept.body.clock)).toEqual([2, 2, 2]);
    set.add(alice.change(set, { action: 'leave' }));
    expect(foldGroup(set).outcomes.at(-1)?.fallbackAdmin).toBe(bob.id);
  });

  it('leaves a group whose joined members all left with no admin and nobody to promote', () => {
    const set = foundedGroup(alice, []);
    set.add(alice.change(set, { action: 'invite', members: [bob.ref()] }));
    set.add(alice.change(set, { action: 'leave' }));
    const { state, outcomes } = foldGroup(set);
    expect(state?.members).toEqual([expect.objectContaining({ accountId: bob.id, status: 'invited', role: 'member' })]);
    expect(outcomes.at(-1)?.fallbackAdmin).toBeNull();
    set.add(bob.change(set, { action: 'accept', profile: bob.profile() }));
    expect(memberOf(stateOf(set), bob)?.role).toBe('admin');
  });
});

describe('the fold: name, description, avatar, profile', () => {
  const [alice, bob, carol] = members(3) as [Member, Member, Member];

  it('lets any joined member rename, describe and set or clear the avatar', () => {
    const set = foundedGroup(alice, [bob]);
    set.add(bob.change(set, { action: 'rename', name: 'Crag' }));
    set.add(bob.change(set, { action: 'describe', description: 'Tuesdays' }));
    const avatar = { contentType: 'image/png' as const, data: toBase64(Uint8Array.of(0x89, 0x50)) };
    set.add(bob.change(set, { action: 'set-avatar', avatar }));
    expect(stateOf(set)).toMatchObject({ name: 'Crag', description: 'Tuesdays', avatar });
    set.add(alice.change(set, { action: 'set-avatar', avatar: null }));
    set.add(alice.change(set, { action: 'describe', description: '' }));
    expect(stateOf(set)).toMatchObject({ avatar: null, description: '' });
  });

  it('ignores renames by invited members and by strangers', () => {
    const set = setOf([alice.create([bob])]);
    expectSkipped(set, bob, { action: 'rename', name: 'Mine' }, 'not-joined');
    expectSkipped(set, carol, { action: 'rename', name: 'Mine' }, 'not-joined');
  });

  it('lets a joined member update its own profile, keeping the key its changes carry', () => {
    const set = foundedGroup(alice, [bob]);
    set.add(
      bob.change(set, {
        action: 'update-profile',
        profile: { ...bob.profile('Bobby'), relayUrl: 'https://r.example' },
      }),
    );
    expect(memberOf(stateOf(set), bob)).toMatchObject({
      name: 'Bobby',
      relayUrl: 'https://r.example',
      identityKey: toBase64(bob.identity.identityKey),
    });
  });
});

describe('the fold: order and clocks', () => {
  const [zed, alice, bob] = members(3) as [Member, Member, Member];

  it('skips changes that sort before the create, and still founds the group', () => {
    const create = alice.create([bob]);
    // zed's account id sorts before alice's: at the same clock, its change comes first.
    const early = zed.forge(create.body.groupId, 1, { action: 'rename', name: 'First!' });
    const { state, outcomes } = foldGroup(setOf([create, early]));
    expect(outcomes.find((outcome) => outcome.id === early.body.id)).toMatchObject({
      applied: false,
      reason: 'no-group',
    });
    expect(state?.name).toBe('Climbing');
  });

  it('has no group without a create', () => {
    const create = alice.create([bob]);
    const rename = alice.forge(create.body.groupId, 2, { action: 'rename', name: 'x' });
    expect(foldGroup(setOf([rename]))).toMatchObject({ state: null, nextClock: 1 });
  });

  it('skips a change whose clock runs more than MAX_GROUP_CLOCK_STEP ahead, so nobody can freeze the clock', () => {
    const set = foundedGroup(alice, [bob]);
    const far = bob.forge(set.groupId, 2 + 1025, { action: 'rename', name: 'Far' });
    const near = bob.forge(set.groupId, 2 + 1024, { action: 'rename', name: 'Near' });
    expect(outcomeOf(set, far)).toMatchObject({ applied: false, reason: 'clock-jump' });
    expect(outcomeOf(set, near).applied).toBe(true);
    expect(foldGroup(extended(set, far)).nextClock).toBe(3);
    // Once near applied, far is within a step of it.
    expect(foldGroup(extended(set, far, near)).nextClock).toBe(2 + 1025 + 1);
    const huge = bob.forge(set.groupId, Number.MAX_SAFE_INTEGER, { action: 'rename', name: 'Max' });
    expect(foldGroup(extended(set, huge)).nextClock).toBe(3);
  });

  it('treats a second create for an existing group as invalid', () => {
    const set = foundedGroup(alice, [bob]);
    const { group } = replayGroup(set);
    const second = alice.create([]);
    const size = second.signed.body.byteLength;
    expect(skipReason(group, second.body, size)).toBe('group-exists');
    expect(skipReason(null, second.body, size)).toBeNull();
  });
});
