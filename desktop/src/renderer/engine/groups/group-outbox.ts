/**
 * Group control into the outbox (docs/protocol.md §10, Sending changes and
 * Anti-entropy): one `group` item per member and message, sent one-to-one
 * like any direct content, to the member's home relay with the key the
 * group (or its contact record) holds for it. Runs inside the caller's
 * transaction (outbox): IndexedDB work only.
 */
import { groupContentToWire } from '@parley/crypto-core/content';
import {
  changeRecipients,
  type GroupChangeSet,
  type GroupResponse,
  groupMessages,
  groupSync,
  type VerifiedGroupChange,
} from '@parley/crypto-core/group';
import type { AccountId } from '@parley/crypto-core/wire';
import { groupConversationId } from '../conversation-ids.js';
import type { EngineDatabase } from '../database.js';
import type { OutboxGroupRecord } from '../records.js';
import type { GroupMerge } from './group-store.js';

type GroupContent = ReturnType<typeof groupSync>;

/** The fields every new outbox item of a group to `recipient` starts with: due now, untried. */
export function newGroupItem(recipient: AccountId, groupId: string, now: number) {
  return {
    recipient,
    conversationId: groupConversationId(groupId),
    attempts: 0,
    nextAttemptAt: now,
    lastError: null,
    createdAt: now,
  };
}

function itemsFor(recipient: AccountId, contents: readonly GroupContent[], now: number): OutboxGroupRecord[] {
  return contents.map((content) => {
    const { v: _version, ...wire } = groupContentToWire(content);
    return { kind: 'group', content: wire, ...newGroupItem(recipient, content.groupId, now) };
  });
}

/**
 * Our own change `merge` added: to every member before or after it, the
 * change; to each account it newly made a member, the whole set instead
 * (its history). Answers how many items were queued.
 */
export async function queueOwnChange(db: EngineDatabase, merge: GroupMerge, self: AccountId, now: number) {
  const before = new Set(merge.before.state?.members.map((member) => member.accountId));
  const items: OutboxGroupRecord[] = [];
  const update = groupMessages(merge.set, merge.added, 'update');
  const history = groupMessages(merge.set, merge.set.sorted(), 'update');
  for (const recipient of changeRecipients(merge.before.state, merge.after.state, self)) {
    items.push(...itemsFor(recipient, before.has(recipient) ? update : history, now));
  }
  if (items.length > 0) await db.outbox.bulkAdd(items);
  return items.length;
}

/** The anti-entropy response planned after a merge (planGroupResponse). */
export async function queueGroupResponse(
  db: EngineDatabase,
  set: GroupChangeSet,
  response: GroupResponse,
  now: number,
) {
  const items: OutboxGroupRecord[] = [];
  if (response.answer !== null) {
    const answer = groupMessages(set, response.answer.changes as VerifiedGroupChange[], 'answer');
    for (const recipient of response.answer.recipients) items.push(...itemsFor(recipient, answer, now));
  }
  const sync = [groupSync(set)];
  for (const recipient of response.syncTo) items.push(...itemsFor(recipient, sync, now));
  if (items.length > 0) await db.outbox.bulkAdd(items);
  return items.length;
}
