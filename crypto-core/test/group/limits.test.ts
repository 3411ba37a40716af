import { describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/encoding.js';
import { batchInvitees, prepareGroupChange, prepareGroupCreate } from '../../src/group/build-change.js';
import { GroupChangeSet } from '../../src/group/change-set.js';
import { foldGroup } from '../../src/group/fold.js';
import {
  MAX_GROUP_AVATAR_BYTES,
  MAX_GROUP_CHANGES,
  MAX_GROUP_HISTORY_BYTES,
  MAX_GROUP_MEMBERS,
  MAX_STORED_GROUP_BYTES,
  MAX_STORED_GROUP_CHANGES,
} from '../../src/group/limits.js';
import type { VerifiedGroupChange } from '../../src/group/signed-change.js';
import { extended, type Member, members, setOf, stateOf } from './group-kit.js';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
  return 'made';
}

describe('group limits', () => {
  const people = members(MAX_GROUP_MEMBERS + 1);
  const [alice, ...rest] = people as [Member, ...Member[]];

  it('hold 256 members, refuse the 257th and skip an invite that would add it', () => {
    const invited = rest.slice(0, MAX_GROUP_MEMBERS - 1);
    const last = rest.at(-1) as Member;
    const refs = (list: readonly Member[]) => list.map((member) => member.ref());
    expect(
      codeOf(() => prepareGroupCreate(alice.identity, { name: 'Big', profile: alice.profile(), members: refs(rest) })),
    ).toBe('GROUP_LIMIT');
    // 255 invitations with identity keys do not fit one body: a create and then invites.
    const batches = batchInvitees(refs(invited));
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(refs(invited));
    const [first = [], ...later] = batches;
    const { body } = prepareGroupCreate(alice.identity, { name: 'Big', profile: alice.profile(), members: first });
    const set = setOf([alice.sign(body)]);
    for (const batch of later) set.add(alice.change(set, { action: 'invite', members: batch }));
    expect(stateOf(set).members).toHaveLength(MAX_GROUP_MEMBERS);
    expect(codeOf(() => prepareGroupChange(set, alice.identity, { action: 'invite', members: [last.ref()] }))).toBe(
      'GROUP_LIMIT',
    );
    const forced = alice.forge(set.groupId, foldGroup(set).nextClock, { action: 'invite', members: [last.ref()] });
    const outcome = foldGroup(extended(set, forced)).outcomes.at(-1);
    expect(outcome).toMatchObject({ applied: false, reason: 'member-limit' });
    // Once someone goes, there is room again.
    const leaving = invited[0] as Member;
    set.add(leaving.change(set, { action: 'decline' }));
    set.add(alice.change(set, { action: 'invite', members: [last.ref()] }));
    expect(stateOf(set).members).toHaveLength(MAX_GROUP_MEMBERS);
  });

  it(`apply ${MAX_GROUP_CHANGES} changes and skip every later one; hold at most ${MAX_STORED_GROUP_CHANGES}`, () => {
    const [owner, stranger] = members(2) as [Member, Member];
    const create = owner.create([]);
    const changes: VerifiedGroupChange[] = [create];
    for (let clock = 2; clock <= MAX_GROUP_CHANGES + 1; clock++) {
      changes.push(owner.forge(create.body.groupId, clock, { action: 'rename', name: `n${clock}` }));
    }
    const set = new GroupChangeSet(create.body.groupId, changes);
    const { state, outcomes, nextClock } = foldGroup(set);
    expect(state).toMatchObject({ appliedChanges: MAX_GROUP_CHANGES, name: `n${MAX_GROUP_CHANGES}` });
    expect(outcomes.at(-1)).toMatchObject({ applied: false, reason: 'history-full' });
    expect(nextClock).toBe(MAX_GROUP_CHANGES + 1);
    expect(codeOf(() => prepareGroupChange(set, owner.identity, { action: 'rename', name: 'more' }))).toBe(
      'GROUP_LIMIT',
    );
    // Changes the fold skips (a stranger's) still take room, up to the storage bound.
    while (set.size < MAX_STORED_GROUP_CHANGES) {
      set.add(stranger.forge(create.body.groupId, 2, { action: 'rename', name: 'spam' }));
    }
    expect(codeOf(() => set.add(stranger.forge(create.body.groupId, 2, { action: 'rename', name: 'spam' })))).toBe(
      'GROUP_LIMIT',
    );
    expect(foldGroup(set).state?.name).toBe(`n${MAX_GROUP_CHANGES}`);
  });

  it(`skip changes past ${MAX_GROUP_HISTORY_BYTES} bytes of history, and hold at most ${MAX_STORED_GROUP_BYTES}`, () => {
    const [owner, stranger] = members(2) as [Member, Member];
    const create = owner.create([]);
    const avatar = (clock: number) => ({
      action: 'set-avatar' as const,
      avatar: { contentType: 'image/png' as const, data: toBase64(new Uint8Array(MAX_GROUP_AVATAR_BYTES).fill(clock)) },
    });
    const set = new GroupChangeSet(create.body.groupId, [create]);
    let bytes = create.signed.body.byteLength;
    let clock = 2;
    while (bytes <= MAX_GROUP_HISTORY_BYTES) {
      const change = owner.forge(set.groupId, clock, avatar(clock));
      set.add(change);
      bytes += change.signed.body.byteLength;
      clock++;
    }
    const { state, outcomes } = foldGroup(set);
    expect(outcomes.at(-1)).toMatchObject({ applied: false, reason: 'history-full' });
    expect(outcomes.filter((outcome) => !outcome.applied)).toHaveLength(1);
    expect(state?.historyBytes).toBeLessThanOrEqual(MAX_GROUP_HISTORY_BYTES);
    expect(state?.historyBytes).toBeGreaterThan(MAX_GROUP_HISTORY_BYTES - 50_000);
    expect(codeOf(() => prepareGroupChange(set, owner.identity, avatar(1)))).toBe('GROUP_LIMIT');
    // A small change still fits what is left.
    expect(codeOf(() => prepareGroupChange(set, owner.identity, { action: 'rename', name: 'x' }))).toBe('made');
    let refused = 'none';
    for (let spam = 0; spam < MAX_STORED_GROUP_CHANGES && refused === 'none'; spam++) {
      const change = stranger.forge(set.groupId, 2, avatar(spam & 0xff));
      refused = codeOf(() => set.add(change));
      if (refused === 'made') refused = 'none';
    }
    expect(refused).toBe('GROUP_LIMIT');
    expect(set.size).toBeLessThan(MAX_STORED_GROUP_CHANGES / 10);
  });
});
