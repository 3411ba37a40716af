/**
 * What the history needs to show a group's rows: each sender's name (the
 * group's members and former members, else the start of the id) and, for our own
 * messages, the per-member receipts as a live query.
 */
import type { Engine, GroupReceiptsView, GroupView } from '../../engine/index.js';
import { liveQuery } from '../../engine/index.js';

export interface GroupRows {
  nameOf(accountId: string): string;
  receipts(messageId: string): ReturnType<typeof liveQuery<GroupReceiptsView>>;
}

export function groupRows(engine: Engine, group: GroupView): GroupRows {
  // Former members' old messages stay: their names too (a current member's entry wins).
  const names = new Map(
    [...group.formerMembers, ...group.members].map((member) => [member.accountId as string, member.name]),
  );
  return {
    nameOf: (accountId) => names.get(accountId) ?? `${accountId.slice(0, 8)}…`,
    receipts: (messageId) => liveQuery(() => engine.queries.groupReceipts(messageId)),
  };
}
