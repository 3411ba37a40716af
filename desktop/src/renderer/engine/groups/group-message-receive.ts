/**
 * Group messages inside the receive commit's transaction (docs/protocol.md
 * §10): a group text is kept only while we are a joined member and its
 * sender is one in our fold (the vault already checked that the sealed layer
 * and the content name the same group; a removed member's chain is not ours
 * to honour). Receipts for our own group messages (each member sends its
 * own, 1:1) move that member's row in `groupReceipts` forward; the message
 * is as far as the member least far along ("delivered" once every recipient
 * has it, "read" once every one read it), and the rows say "read by N of M".
 * Only IndexedDB work.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { groupIdOf } from '../conversation-ids.js';
import type { EngineDatabase } from '../database.js';
import { isAhead } from '../message-state.js';
import type { GroupReceiptRecord, MessageRecord, MessageState } from '../records.js';
import { isJoinedMember } from './group-members.js';

/** The messages to keep: every direct one, and group texts from joined members of groups we are joined in. */
export async function fromJoinedMembers<
  T extends { readonly groupId: string | null; readonly senderAccountId: AccountId },
>(db: EngineDatabase, messages: readonly T[]): Promise<T[]> {
  const groupIds = [...new Set(messages.flatMap((message) => (message.groupId === null ? [] : [message.groupId])))];
  if (groupIds.length === 0) return [...messages];
  const rows = await db.groups.bulkGet(groupIds);
  const groups = new Map(groupIds.map((id, index) => [id, rows[index]]));
  return messages.filter((message) => {
    if (message.groupId === null) return true;
    const group = groups.get(message.groupId);
    return group?.membership === 'joined' && isJoinedMember(group, message.senderAccountId);
  });
}

/**
 * A receipt from `member` for our group message: its row moves forward (a
 * row is made when the receipt beats the record of our send, for a member of
 * the group). Answers the message's new state, or null when it stays.
 */
export async function applyGroupReceipt(
  db: EngineDatabase,
  message: MessageRecord,
  member: AccountId,
  target: 'delivered' | 'read',
): Promise<MessageState | null> {
  const groupId = groupIdOf(message.conversationId);
  if (groupId === null) return null;
  const id = `${message.id}:${member}`;
  const row = await db.groupReceipts.get(id);
  if (row === undefined) {
    // Nobody can mark a message they were not sent: only a member of the group.
    if (!isJoinedMember(await db.groups.get(groupId), member)) return null;
    await db.groupReceipts.add({ id, messageId: message.id, groupId, accountId: member, state: target });
  } else if (isAhead(target, row.state)) {
    await db.groupReceipts.update(id, { state: target });
  } else {
    return null;
  }
  // Still in the outbox: the send records the recipients' rows first.
  if (message.state === 'sending' || message.state === 'failed') return null;
  const all = await db.groupReceipts.where('messageId').equals(message.id).toArray();
  const least = leastState(all);
  return least !== null && isAhead(least, message.state) ? least : null;
}

function leastState(rows: readonly GroupReceiptRecord[]): MessageState | null {
  if (rows.length === 0) return null;
  if (rows.every((row) => row.state === 'read')) return 'read';
  if (rows.every((row) => row.state !== 'sent')) return 'delivered';
  return 'sent';
}
