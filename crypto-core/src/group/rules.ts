/**
 * The rights and effects of each action (docs/protocol.md §10, Actions and
 * The fold): whether a change is valid on the group as the fold has built it
 * so far, and what it does when it is. Pure and deterministic; the fold and
 * the change builder both use these, so a client refuses to make exactly the
 * changes everyone else would skip. Browser-safe.
 */
import type { AccountId } from '../address/account-id.js';
import type { GroupAvatarWire, GroupChangeBody, MemberProfileWire, MemberRefWire } from './change-schema.js';
import { MAX_GROUP_CHANGES, MAX_GROUP_CLOCK_STEP, MAX_GROUP_HISTORY_BYTES, MAX_GROUP_MEMBERS } from './limits.js';
import type {
  FormerGroupMember,
  FormerMemberReason,
  GroupMember,
  GroupMemberStatus,
  GroupRole,
  GroupSkipReason,
  GroupState,
} from './state.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type WorkingMember = Mutable<GroupMember>;

const byAccountId = (a: { accountId: string }, b: { accountId: string }): number =>
  a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0;

/** The group as the fold has built it so far. Mutable: only the fold and the builder hold one. */
export class WorkingGroup {
  readonly groupId: string;
  readonly createdBy: AccountId;
  name: string;
  description: string;
  avatar: GroupAvatarWire | null;
  readonly members = new Map<string, WorkingMember>();
  readonly former = new Map<string, FormerGroupMember>();
  /** Highest clock applied. */
  clock = 0;
  /** Changes applied. */
  applied = 0;
  /** Bytes of the bodies of the changes applied. */
  appliedBytes = 0;

  private constructor(create: Extract<GroupChangeBody, { action: 'create' }>) {
    this.groupId = create.groupId;
    this.createdBy = create.author;
    this.name = create.name;
    this.description = create.description ?? '';
    this.avatar = create.avatar ?? null;
    this.members.set(create.author, {
      accountId: create.author,
      status: 'joined',
      role: 'admin',
      ...memberFields(create.profile, create.authorKey),
      invitedBy: create.author,
      invitedAt: create.clock,
      joinedAt: create.clock,
    });
    this.invite(create.members, create.author, create.clock);
    this.clock = create.clock;
    this.applied = 1;
  }

  static found(create: Extract<GroupChangeBody, { action: 'create' }>): WorkingGroup {
    return new WorkingGroup(create);
  }

  memberWith(accountId: string, status: GroupMemberStatus, role?: GroupRole): WorkingMember | undefined {
    const member = this.members.get(accountId);
    if (member === undefined || member.status !== status || (role !== undefined && member.role !== role)) {
      return undefined;
    }
    return member;
  }

  invite(refs: readonly MemberRefWire[], by: AccountId, clock: number): void {
    for (const ref of refs) {
      if (this.members.has(ref.accountId)) continue;
      this.former.delete(ref.accountId);
      this.members.set(ref.accountId, {
        accountId: ref.accountId,
        status: 'invited',
        role: 'member',
        ...memberFields(ref, ref.identityKey ?? null),
        invitedBy: by,
        invitedAt: clock,
        joinedAt: null,
      });
    }
  }

  end(accountId: string, reason: FormerMemberReason, by: AccountId, clock: number): void {
    const member = this.members.get(accountId);
    if (member === undefined) return;
    this.members.delete(accountId);
    this.former.set(accountId, { accountId: member.accountId, reason, by, at: clock, name: member.name });
  }

  /**
   * The admin fallback: with joined members and no joined admin, the joined
   * member who joined first (then the smallest account id) becomes admin.
   * Returns whom it promoted.
   */
  ensureAdmin(): AccountId | null {
    let pick: WorkingMember | undefined;
    for (const member of this.members.values()) {
      if (member.status !== 'joined') continue;
      if (member.role === 'admin') return null;
      if (pick === undefined || earlierJoin(member, pick)) pick = member;
    }
    if (pick === undefined) return null;
    pick.role = 'admin';
    return pick.accountId;
  }

  snapshot(): GroupState {
    return {
      groupId: this.groupId,
      createdBy: this.createdBy,
      name: this.name,
      description: this.description,
      avatar: this.avatar,
      members: [...this.members.values()].map((member) => ({ ...member })).sort(byAccountId),
      formerMembers: [...this.former.values()].sort(byAccountId),
      clock: this.clock,
      appliedChanges: this.applied,
      historyBytes: this.appliedBytes,
    };
  }
}

function earlierJoin(a: WorkingMember, b: WorkingMember): boolean {
  const aJoined = a.joinedAt ?? Number.MAX_SAFE_INTEGER;
  const bJoined = b.joinedAt ?? Number.MAX_SAFE_INTEGER;
  return aJoined < bJoined || (aJoined === bJoined && a.accountId < b.accountId);
}

function memberFields(profile: MemberProfileWire, identityKey: string | null) {
  return { identityKey, relayUrl: profile.relayUrl, accessKey: profile.accessKey, name: profile.name ?? null };
}

/**
 * Why the fold skips `change` (whose body is `size` bytes) on `group` (null:
 * before any create), or null when the change is valid.
 */
export function skipReason(group: WorkingGroup | null, change: GroupChangeBody, size: number): GroupSkipReason | null {
  if (group === null) {
    if (change.action !== 'create') return 'no-group';
    return change.clock > MAX_GROUP_CLOCK_STEP ? 'clock-jump' : null;
  }
  if (change.action === 'create') return 'group-exists';
  if (change.clock > group.clock + MAX_GROUP_CLOCK_STEP) return 'clock-jump';
  if (group.applied >= MAX_GROUP_CHANGES || group.appliedBytes + size > MAX_GROUP_HISTORY_BYTES) return 'history-full';
  switch (change.action) {
    case 'accept':
    case 'decline':
      return group.memberWith(change.author, 'invited') ? null : 'not-invited';
    case 'remove':
    case 'promote':
      if (!group.memberWith(change.author, 'joined')) return 'not-joined';
      return group.memberWith(change.author, 'joined', 'admin') ? null : 'not-admin';
    case 'invite': {
      if (!group.memberWith(change.author, 'joined')) return 'not-joined';
      const added = change.members.filter((ref) => !group.members.has(ref.accountId)).length;
      return group.members.size + added > MAX_GROUP_MEMBERS ? 'member-limit' : null;
    }
    default:
      return group.memberWith(change.author, 'joined') ? null : 'not-joined';
  }
}

/**
 * Applies a change `skipReason` found valid and returns the group (a new one
 * for a create). Entries that name someone already in the wanted state (an
 * invite of a member, a removal of a non-member) change nothing.
 */
export function applyChange(group: WorkingGroup | null, change: GroupChangeBody, size: number): WorkingGroup {
  if (change.action === 'create') {
    const founded = WorkingGroup.found(change);
    founded.appliedBytes = size;
    return founded;
  }
  if (group === null) throw new Error('applyChange: no group before a create (skipReason says so)');
  const author = group.members.get(change.author);
  if (author !== undefined) author.identityKey = change.authorKey;
  switch (change.action) {
    case 'invite':
      group.invite(change.members, change.author, change.clock);
      break;
    case 'accept':
    case 'update-profile':
      if (author !== undefined) {
        Object.assign(author, memberFields(change.profile, change.authorKey));
        if (change.action === 'accept') {
          author.status = 'joined';
          author.joinedAt = change.clock;
        }
      }
      break;
    case 'decline':
      group.end(change.author, 'declined', change.author, change.clock);
      break;
    case 'leave':
      group.end(change.author, 'left', change.author, change.clock);
      break;
    case 'remove':
      for (const target of change.members) {
        if (target !== change.author) group.end(target, 'removed', change.author, change.clock);
      }
      break;
    case 'promote':
      for (const target of change.members) {
        const member = group.memberWith(target, 'joined');
        if (member !== undefined) member.role = 'admin';
      }
      break;
    case 'rename':
      group.name = change.name;
      break;
    case 'describe':
      group.description = change.description;
      break;
    case 'set-avatar':
      group.avatar = change.avatar;
      break;
  }
  group.clock = Math.max(group.clock, change.clock);
  group.applied += 1;
  group.appliedBytes += size;
  return group;
}

/**
 * The accounts a valid change names but would leave as they are: invitees
 * who are already members, removals of non-members or of the author,
 * promotions of anyone not a joined member or already an admin. The fold
 * skips such entries; a client making a change refuses them.
 */
export function ineffectiveEntries(group: WorkingGroup, change: GroupChangeBody): AccountId[] {
  switch (change.action) {
    case 'invite':
      return change.members.filter((ref) => group.members.has(ref.accountId)).map((ref) => ref.accountId);
    case 'remove':
      return change.members.filter((id) => id === change.author || !group.members.has(id));
    case 'promote':
      return change.members.filter((id) => !group.memberWith(id, 'joined', 'member'));
    default:
      return [];
  }
}
