/**
 * Reaching group members who are not contacts (docs/protocol.md §10): the
 * fold of each group we are in names every member's home relay and the
 * access key that reaches it there (an invitation extends the inviter's
 * contact to the whole group). Contacts come first: their own key and relay
 * (contact-access.ts); these are the fallback for everyone else, for bundle
 * fetches, sends and the relay an outbox item goes to.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type { EngineDatabase } from '../database.js';
import type { GroupRecord } from '../records.js';

export interface MemberReach {
  readonly relayUrl: string;
  readonly accessKey: string;
}

/** Groups whose members we may still send to (we are invited or joined). */
function activeGroup(group: GroupRecord): boolean {
  return group.state !== null && (group.membership === 'joined' || group.membership === 'invited');
}

/** Every member of the groups we are in, with the relay and key the newest of those groups knows. */
export async function groupMemberReach(db: EngineDatabase): Promise<Map<AccountId, MemberReach>> {
  const reach = new Map<AccountId, MemberReach>();
  const groups = (await db.groups.toArray()).filter(activeGroup).sort((a, b) => a.updatedAt - b.updatedAt);
  for (const group of groups) {
    for (const member of group.state?.members ?? []) {
      reach.set(member.accountId, { relayUrl: member.relayUrl, accessKey: member.accessKey });
    }
  }
  return reach;
}

/** How to reach one member who is not a contact; null when no group of ours names it. */
export async function reachOfMember(db: EngineDatabase, accountId: AccountId): Promise<MemberReach | null> {
  return (await groupMemberReach(db)).get(accountId) ?? null;
}

/** Whether `accountId` is a joined member in our fold of `group`. */
export function isJoinedMember(group: GroupRecord | undefined, accountId: AccountId): boolean {
  return group?.state?.members.some((m) => m.accountId === accountId && m.status === 'joined') === true;
}
