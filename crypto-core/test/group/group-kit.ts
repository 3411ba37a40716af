/**
 * Group members for tests: real identity keys, real signatures, and the
 * builder the app uses (`change`), plus `forge` for changes the builder
 * refuses to make (so tests can check that everyone else skips them).
 */

import { sha256 } from '@noble/hashes/sha2.js';
import { IdentityKeyPair, PrivateKey } from '@signalapp/libsignal-client';
import type { AccountId } from '../../src/address/account-id.js';
import { toBase64, utf8 } from '../../src/encoding.js';
import { prepareGroupChange, prepareGroupCreate } from '../../src/group/build-change.js';
import type { GroupAction, GroupChangeBody, MemberProfileWire, MemberRefWire } from '../../src/group/change-schema.js';
import { GroupChangeSet } from '../../src/group/change-set.js';
import { foldGroup } from '../../src/group/fold.js';
import { groupIdFor } from '../../src/group/group-id.js';
import { encodeGroupChangeBody, type VerifiedGroupChange, verifyGroupChange } from '../../src/group/signed-change.js';
import type { GroupMember, GroupState } from '../../src/group/state.js';
import { signGroupChange } from '../../src/signal/group-change-signing.js';
import { generateIdentity, type LocalIdentity, loadIdentity } from '../../src/signal/identity.js';
import { verifyIdentitySignature } from '../../src/signal/signatures.js';

export const RELAY = 'http://127.0.0.1:7447';
let sentAt = 1_800_000_000_000;

/**
 * Members in ascending account id order, so tests can say who sorts first.
 * With a `seed`, the same keys every time (seeded runs stay reproducible).
 */
export function members(count: number, seed?: string): Member[] {
  return Array.from(
    { length: count },
    (_, index) => new Member(seed === undefined ? undefined : `${seed}-${index}`),
  ).sort((a, b) => (a.id < b.id ? -1 : 1));
}

function seededIdentity(label: string): LocalIdentity {
  const privateKey = PrivateKey.deserialize(sha256(utf8(`parley-group-test-${label}`)));
  const pair = new IdentityKeyPair(privateKey.getPublicKey(), privateKey);
  return loadIdentity({ identityKeyPair: pair.serialize(), registrationId: 1 });
}

export class Member {
  readonly identity: LocalIdentity;
  readonly accessKey: string;

  constructor(seed?: string) {
    this.identity = seed === undefined ? generateIdentity() : seededIdentity(seed);
    this.accessKey = toBase64(this.identity.identityKey.subarray(1, 17));
  }

  get id(): AccountId {
    return this.identity.accountId;
  }

  ref(): MemberRefWire {
    return {
      accountId: this.id,
      identityKey: toBase64(this.identity.identityKey),
      relayUrl: RELAY,
      accessKey: this.accessKey,
    };
  }

  profile(name?: string): MemberProfileWire {
    return { relayUrl: RELAY, accessKey: this.accessKey, ...(name === undefined ? {} : { name }) };
  }

  sign(body: Uint8Array): VerifiedGroupChange {
    return verifyGroupChange(signGroupChange(this.identity, body), verifyIdentitySignature);
  }

  create(invited: readonly Member[], name = 'Climbing'): VerifiedGroupChange {
    const { body } = prepareGroupCreate(
      this.identity,
      { name, profile: this.profile(), members: invited.map((member) => member.ref()) },
      { sentAt: sentAt++ },
    );
    return this.sign(body);
  }

  /** A change made the way the app makes it: at the next clock of `set`, refused if the fold would skip it. */
  change(set: GroupChangeSet, action: Exclude<GroupAction, { action: 'create' }>): VerifiedGroupChange {
    return this.sign(prepareGroupChange(set, this.identity, action, { sentAt: sentAt++ }));
  }

  /** A correctly signed change with whatever clock and action, unchecked against any state. */
  forge(groupId: string, clock: number, action: GroupAction, id: string = crypto.randomUUID()): VerifiedGroupChange {
    const body = {
      ...action,
      v: 1,
      groupId: action.action === 'create' ? groupIdFor(this.identity.identityKey, id) : groupId,
      id,
      clock,
      author: this.id,
      authorKey: toBase64(this.identity.identityKey),
      sentAt: sentAt++,
    } as GroupChangeBody;
    return this.sign(encodeGroupChangeBody(body));
  }
}

export function setOf(changes: readonly VerifiedGroupChange[]): GroupChangeSet {
  const [first] = changes;
  if (first === undefined) throw new Error('setOf: no changes');
  return new GroupChangeSet(first.body.groupId, changes);
}

/** The folded state of a set that must have one. */
export function stateOf(set: GroupChangeSet): GroupState {
  const { state } = foldGroup(set);
  if (state === null) throw new Error('no group');
  return state;
}

export function memberOf(state: GroupState, member: Member): GroupMember | undefined {
  return state.members.find((entry) => entry.accountId === member.id);
}

/** The set after `changes` are added, one at a time, to a copy of `set`. */
export function extended(set: GroupChangeSet, ...changes: VerifiedGroupChange[]): GroupChangeSet {
  return new GroupChangeSet(set.groupId, [...set.sorted(), ...changes]);
}

/**
 * A founded group: `admin` created it inviting `others`, and each of them
 * accepted (in the order given).
 */
export function foundedGroup(admin: Member, others: readonly Member[]): GroupChangeSet {
  const set = setOf([admin.create(others)]);
  for (const member of others) set.add(member.change(set, { action: 'accept', profile: member.profile() }));
  return set;
}
