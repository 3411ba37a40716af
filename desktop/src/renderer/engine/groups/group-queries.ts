/**
 * What the UI reads of a group: its name, where we stand, and the members
 * with the name to show (the user's name for a contact first, then the
 * name the group knows), role and status. An invitation from someone who is
 * not an accepted contact is a `request` (docs/protocol.md §10, Sending
 * changes): the UI shows it beside message requests.
 */
import type { GroupMemberStatus, GroupRole } from '@parley/crypto-core/group';
import type { AccountId } from '@parley/crypto-core/wire';
import { avatarDataUrl } from '../avatar-url.js';
import { isAcceptedContact } from '../contact-access.js';
import type { EngineDatabase } from '../database.js';
import type { ContactRecord, GroupMembership, GroupRecord } from '../records.js';

export interface GroupMemberView {
  readonly accountId: AccountId;
  readonly name: string | null;
  readonly role: GroupRole;
  readonly status: GroupMemberStatus;
}

export interface GroupView {
  readonly groupId: string;
  readonly conversationId: string;
  readonly name: string;
  readonly description: string;
  /** The group photo as a `data:` URL of a PNG, JPEG or WebP image (shown in an img only); null when none. */
  readonly avatarUrl: string | null;
  readonly membership: GroupMembership;
  readonly invitedBy: AccountId | null;
  /** Invited by someone who is not an accepted contact. */
  readonly request: boolean;
  readonly members: readonly GroupMemberView[];
  /** Who left, declined or was removed, with the name to show (their old messages stay in the history). */
  readonly formerMembers: readonly { readonly accountId: AccountId; readonly name: string | null }[];
}

/** An invitation from someone who is not an accepted contact (a message request). */
export function isGroupRequest(record: GroupRecord, inviter: ContactRecord | undefined): boolean {
  return record.membership === 'invited' && record.invitedBy !== null && !isAcceptedContact(inviter);
}

export async function groupView(db: EngineDatabase, groupId: string): Promise<GroupView | null> {
  const record = await db.groups.get(groupId);
  const state = record?.state ?? null;
  if (record === undefined || state === null) return null;
  const contacts = await db.contacts.bulkGet(state.members.map((member) => member.accountId));
  const formerContacts = await db.contacts.bulkGet(state.formerMembers.map((member) => member.accountId));
  const inviter = record.invitedBy === null ? undefined : await db.contacts.get(record.invitedBy);
  return {
    groupId,
    conversationId: `group:${groupId}`,
    name: state.name,
    description: state.description,
    avatarUrl: avatarDataUrl(state.avatar),
    membership: record.membership,
    invitedBy: record.invitedBy,
    request: isGroupRequest(record, inviter),
    members: state.members.map((member, index) => ({
      accountId: member.accountId,
      name: contacts[index]?.displayName ?? member.name ?? contacts[index]?.profileName ?? null,
      role: member.role,
      status: member.status,
    })),
    formerMembers: state.formerMembers.map((member, index) => ({
      accountId: member.accountId,
      name: formerContacts[index]?.displayName ?? member.name ?? formerContacts[index]?.profileName ?? null,
    })),
  };
}

/** How far one of our group messages got with its recipients: "delivered to 3 of 5", "read by 2 of 5". */
export interface GroupReceiptsView {
  /** Recipients it was sent to (or that answered for it). */
  readonly total: number;
  /** Recipients that have it (delivered or read). */
  readonly delivered: number;
  readonly read: number;
  readonly members: readonly { readonly accountId: AccountId; readonly state: 'sent' | 'delivered' | 'read' }[];
}

export async function groupReceiptsView(db: EngineDatabase, messageId: string): Promise<GroupReceiptsView> {
  const rows = await db.groupReceipts.where('messageId').equals(messageId).toArray();
  rows.sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
  return {
    total: rows.length,
    delivered: rows.filter((row) => row.state !== 'sent').length,
    read: rows.filter((row) => row.state === 'read').length,
    members: rows.map(({ accountId, state }) => ({ accountId, state })),
  };
}
