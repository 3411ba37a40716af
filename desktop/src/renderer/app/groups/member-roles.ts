/**
 * What the group info panel offers whom (the fold's rules, crypto-core
 * group/rules.ts): a joined member may rename, describe and invite; a joined
 * admin may also remove others and make joined members admins. Controls a
 * person cannot use are not shown.
 */
import type { GroupMemberView, GroupView } from '../../engine/index.js';

export interface GroupPowers {
  /** Rename, change the description, invite. */
  readonly edit: boolean;
  /** Remove and make admin. */
  readonly administer: boolean;
  readonly leave: boolean;
}

export function groupPowers(group: GroupView, self: string): GroupPowers {
  const me = group.members.find((member) => member.accountId === self);
  const joined = group.membership === 'joined' && me?.status === 'joined';
  return { edit: joined, administer: joined && me?.role === 'admin', leave: joined };
}

/** An admin may remove any other member, and make a joined member who is not yet an admin one. */
export function memberActions(powers: GroupPowers, member: GroupMemberView, self: string) {
  const other = member.accountId !== self;
  return {
    remove: powers.administer && other,
    promote: powers.administer && other && member.status === 'joined' && member.role !== 'admin',
  };
}

/** "3 members" (joined and invited). */
export function memberCountText(count: number): string {
  return count === 1 ? '1 member' : `${count} members`;
}

/** A member's name as a group shows it: "You", the name the list knows, or the start of the id. */
export function memberName(member: Pick<GroupMemberView, 'accountId' | 'name'>, self: string): string {
  if (member.accountId === self) return 'You';
  return member.name ?? `${member.accountId.slice(0, 8)}…`;
}

/** The member list's order: you first, then admins, then the others, each by name. */
export function orderMembers(members: readonly GroupMemberView[], self: string): GroupMemberView[] {
  const rank = (member: GroupMemberView) => (member.accountId === self ? 0 : member.role === 'admin' ? 1 : 2);
  return [...members].sort((a, b) => rank(a) - rank(b) || memberName(a, self).localeCompare(memberName(b, self)));
}
