/**
 * What the fold of a group's changes produces (docs/protocol.md §10, The
 * fold): plain JSON-safe data, bytes as base64, absent values as null, lists
 * in a fixed order, so two members' states compare equal by value.
 * Browser-safe.
 */
import type { AccountId } from '../address/account-id.js';
import type { GroupActionName, GroupAvatarWire } from './change-schema.js';

export type GroupMemberStatus = 'invited' | 'joined';
export type GroupRole = 'admin' | 'member';

export interface GroupMember {
  readonly accountId: AccountId;
  readonly status: GroupMemberStatus;
  /** Only joined members are ever admins. */
  readonly role: GroupRole;
  /**
   * The identity key (33 bytes, base64): the author key of the member's own
   * changes once it made one, else what its inviter gave, else null.
   */
  readonly identityKey: string | null;
  /** Where to send to the member (its home relay, canonical). */
  readonly relayUrl: string;
  /** The access key that reaches the member there (16 bytes, base64). */
  readonly accessKey: string;
  readonly name: string | null;
  readonly invitedBy: AccountId;
  /** Clock of the change that invited the member (the create, for the creator). */
  readonly invitedAt: number;
  /** Clock of the change that joined the member; null while invited. */
  readonly joinedAt: number | null;
}

export type FormerMemberReason = 'left' | 'removed' | 'declined';

/** Someone who was a member and is no longer (for the UI: "Carol left"). */
export interface FormerGroupMember {
  readonly accountId: AccountId;
  readonly reason: FormerMemberReason;
  /** Who removed them, or themselves. */
  readonly by: AccountId;
  /** Clock of the change that ended the membership. */
  readonly at: number;
  readonly name: string | null;
}

/** The group digest as the state carries it: bytes in base64. */
export interface GroupDigestWire {
  readonly count: number;
  readonly sha256: string;
}

export interface GroupState {
  readonly groupId: string;
  readonly createdBy: AccountId;
  readonly name: string;
  /** Empty when there is none. */
  readonly description: string;
  readonly avatar: GroupAvatarWire | null;
  /** Joined and invited members, by account id. */
  readonly members: readonly GroupMember[];
  /** Everyone who left, was removed or declined, by account id (re-invited people leave this list). */
  readonly formerMembers: readonly FormerGroupMember[];
  /** The highest clock among the changes applied. */
  readonly clock: number;
  /** How many changes the fold applied (at most MAX_GROUP_CHANGES). */
  readonly appliedChanges: number;
  /** Bytes of their bodies (at most MAX_GROUP_HISTORY_BYTES). */
  readonly historyBytes: number;
}

/**
 * Why the fold skipped a change. Informative: implementations must agree on
 * which changes are skipped, not on the reason given.
 */
export type GroupSkipReason =
  | 'no-group'
  | 'group-exists'
  | 'clock-jump'
  | 'history-full'
  | 'not-joined'
  | 'not-invited'
  | 'not-admin'
  | 'member-limit';

/** What the fold did with one change, in fold order (the timeline the UI can show). */
export interface GroupChangeOutcome {
  readonly id: string;
  readonly clock: number;
  readonly author: AccountId;
  readonly action: GroupActionName;
  readonly applied: boolean;
  readonly reason: GroupSkipReason | null;
  /** The member the admin fallback promoted after this change, if it did. */
  readonly fallbackAdmin: AccountId | null;
}

export interface GroupFold {
  /** null until the set holds a valid create. */
  readonly state: GroupState | null;
  readonly outcomes: readonly GroupChangeOutcome[];
  /** The clock of this member's next change: one more than the highest applied. */
  readonly nextClock: number;
  readonly digest: GroupDigestWire;
}
