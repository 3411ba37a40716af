import { describe, expect, it } from 'vitest';
import { decodeContent, encodeContent } from '../../src/content/codec.js';
import { MAX_ENCODED_CONTENT_BYTES } from '../../src/content/padding.js';
import type { GroupContent } from '../../src/content/types.js';
import { toBase64 } from '../../src/encoding.js';
import { changeRecipients, groupMessages, groupSync, planGroupResponse } from '../../src/group/anti-entropy.js';
import { GroupChangeSet } from '../../src/group/change-set.js';
import { foldGroup } from '../../src/group/fold.js';
import { MAX_GROUP_AVATAR_BYTES, MAX_LISTED_GROUP_CHANGE_IDS } from '../../src/group/limits.js';
import type { VerifiedGroupChange } from '../../src/group/signed-change.js';
import { verifyIdentitySignature } from '../../src/signal/signatures.js';
import { extended, foundedGroup, type Member, members, stateOf } from './group-kit.js';

const [alice, bob, carol, dave] = members(4) as [Member, Member, Member, Member];

function encodedSize(content: GroupContent): number {
  const padded = encodeContent(content);
  return padded.lastIndexOf(0x80);
}

/** `owner`'s group with `count` renames after the create. */
function longHistory(owner: Member, count: number): GroupChangeSet {
  const create = owner.create([]);
  const set = new GroupChangeSet(create.body.groupId, [create]);
  for (let clock = 2; clock <= count + 1; clock++) {
    set.add(owner.forge(create.body.groupId, clock, { action: 'rename', name: `n${clock}` }));
  }
  return set;
}

function avatarChange(owner: Member, set: GroupChangeSet, clock: number): VerifiedGroupChange {
  const data = toBase64(new Uint8Array(MAX_GROUP_AVATAR_BYTES).fill(clock & 0xff));
  return owner.forge(set.groupId, clock, { action: 'set-avatar', avatar: { contentType: 'image/png', data } });
}

describe('group messages', () => {
  it('carry the digest and every id held, and decode to what was sent', () => {
    const set = foundedGroup(alice, [bob]);
    const [message, ...more] = groupMessages(set, set.sorted(), 'update');
    expect(more).toEqual([]);
    expect(message).toMatchObject({ kind: 'update', groupId: set.groupId, digest: set.digest(), have: set.ids() });
    expect(decodeContent(encodeContent(message as GroupContent))).toEqual(message);
  });

  it('split a long history under the content limit, each part with the digest and the id list when it fits', () => {
    const set = longHistory(alice, 600);
    for (let clock = 602; clock < 606; clock++) set.add(avatarChange(alice, set, clock));
    const messages = groupMessages(set, set.sorted(), 'update');
    expect(messages.length).toBeGreaterThan(4);
    expect(messages.flatMap((message) => message.changes)).toEqual(set.sorted().map((change) => change.signed));
    for (const message of messages) {
      expect(encodedSize(message)).toBeLessThanOrEqual(MAX_ENCODED_CONTENT_BYTES);
      expect(message.digest).toEqual(set.digest());
    }
    const withIds = messages.filter((message) => message.have !== undefined);
    const without = messages.filter((message) => message.have === undefined);
    // The four avatar changes are each too large to travel beside 605 ids.
    expect(without.map((message) => message.changes.length)).toEqual([1, 1, 1, 1]);
    expect(withIds.every((message) => message.have?.length === set.size)).toBe(true);
    // Packed: each part with ids but the last would pass the limit with one more change.
    withIds.slice(0, -1).forEach((message, index) => {
      const next = withIds[index + 1]?.changes[0];
      if (next === undefined) throw new Error('an empty part');
      const bigger = { ...message, changes: [...message.changes, next] };
      expect(() => encodeContent(bigger)).toThrow(/CONTENT_TOO_LARGE|largest bucket/);
    });
  });

  it('list no ids once a set holds more than MAX_LISTED_GROUP_CHANGE_IDS', () => {
    const set = longHistory(alice, MAX_LISTED_GROUP_CHANGE_IDS);
    expect(set.size).toBe(MAX_LISTED_GROUP_CHANGE_IDS + 1);
    const [message] = groupMessages(set, set.sorted().slice(-1), 'answer');
    expect(message?.have).toBeUndefined();
    expect(groupSync(set)).toMatchObject({ kind: 'sync', changes: [], digest: set.digest() });
    expect(groupSync(set).have).toBeUndefined();
  });
});

describe('whom a change goes to', () => {
  it('everyone in the group before or after it but the author: invitees and removed members hear of it', () => {
    const set = foundedGroup(alice, [bob, carol]);
    const before = stateOf(set);
    const invite = alice.change(set, { action: 'invite', members: [dave.ref()] });
    expect(changeRecipients(before, stateOf(extended(set, invite)), alice.id)).toEqual(
      [bob.id, carol.id, dave.id].sort(),
    );
    const removal = alice.change(set, { action: 'remove', members: [carol.id] });
    expect(changeRecipients(before, stateOf(extended(set, removal)), alice.id)).toEqual([bob.id, carol.id].sort());
  });
});

describe('anti-entropy responses', () => {
  const base = foundedGroup(alice, [bob, carol]);
  const rename = bob.change(base, { action: 'rename', name: 'Crag' });
  const describeIt = carol.change(base, { action: 'describe', description: 'Tuesdays' });

  /** What `receiver` (holding `held`) plans after `message` from `sender`. */
  function respond(held: GroupChangeSet, message: GroupContent, sender: Member, receiver: Member) {
    const set = new GroupChangeSet(held.groupId, held.sorted());
    const before = foldGroup(set).state;
    const { added } = set.merge(message.changes, verifyIdentitySignature);
    return planGroupResponse(set, { before, after: foldGroup(set).state }, message, added, {
      self: receiver.id,
      sender: sender.id,
    });
  }

  it('answer a sender that lacks changes with exactly those', () => {
    const bobs = extended(base, rename);
    const [update] = groupMessages(bobs, [rename], 'update');
    const response = respond(extended(base, describeIt), update as GroupContent, bob, carol);
    expect(response.answer?.changes.map((change) => change.body.id)).toEqual([describeIt.body.id]);
    expect(response.answer?.recipients).toEqual([bob.id]);
    expect(response.syncTo).toEqual([]);
  });

  it('answer with everything when the sender listed no ids', () => {
    const bobs = extended(base, rename);
    const [update] = groupMessages(bobs, [rename], 'update');
    const { have: _listed, ...unlisted } = update as GroupContent;
    const response = respond(extended(base, describeIt), unlisted, bob, carol);
    // Carol holds the base, her description and now Bob's rename: all of it goes back.
    expect(response.answer?.changes).toHaveLength(base.size + 2);
  });

  it('stay silent when the sets match, or an answer added nothing', () => {
    const [update] = groupMessages(extended(base, rename), [rename], 'update');
    expect(respond(base, update as GroupContent, bob, carol)).toEqual({ answer: null, syncTo: [] });
    const [answer] = groupMessages(extended(base, rename), [rename], 'answer');
    expect(respond(extended(base, rename, describeIt), answer as GroupContent, bob, carol)).toEqual({
      answer: null,
      syncTo: [],
    });
  });

  it('ask with a sync when only the sender holds more, and answer a sync with what its sender lacks', () => {
    const bobs = extended(base, rename, describeIt);
    const [update] = groupMessages(bobs, [rename], 'update');
    expect(respond(base, update as GroupContent, bob, carol)).toEqual({ answer: null, syncTo: [bob.id] });
    const response = respond(bobs, groupSync(extended(base, rename)), carol, bob);
    expect(response.answer?.changes.map((change) => change.body.id)).toEqual([describeIt.body.id]);
  });

  it('send the changes an inviter lacked to its invitee too, and a sync to whoever the merge made a member', () => {
    const invite = alice.change(base, { action: 'invite', members: [dave.ref()] });
    const [update] = groupMessages(extended(base, invite), [invite], 'update');
    const response = respond(extended(base, describeIt), update as GroupContent, alice, carol);
    expect(response.answer?.recipients).toEqual([alice.id, dave.id].sort());
    expect(response.syncTo).toEqual([]);
    // Bob learns of dave's invitation from carol's answer: a member he did not know of gets a sync.
    const [answer] = groupMessages(extended(base, describeIt, invite), [invite], 'answer');
    // And he asks carol, whose ids show she holds her description, which he lacks.
    expect(respond(base, answer as GroupContent, carol, bob).syncTo).toEqual([carol.id, dave.id].sort());
  });
});
