/**
 * What a merge shows: the group's conversation row (created once the fold
 * has a group we are or were in, its title the group's name) and one
 * `group-event` line per change the merge newly applied ("Alice renamed the
 * group to Hikers"). A line's id is its change's id, so a change applied
 * again after a re-fold is written once. Runs inside the caller's
 * transaction (conversations, messages, contacts): IndexedDB work only.
 */
import type { GroupChangeBody, GroupFold, GroupState } from '@parley/crypto-core/group';
import type { AccountId } from '@parley/crypto-core/wire';
import { groupConversationId, messageSortKey } from '../conversation-ids.js';
import type { EngineDatabase } from '../database.js';
import { previewOf } from '../previews.js';
import type { ConversationRecord, NewMessageRecord } from '../records.js';
import type { GroupMerge } from './group-store.js';

type Names = (accountId: AccountId) => string;

function list(accounts: readonly AccountId[], nameOf: Names): string {
  return accounts.map(nameOf).join(', ');
}

/** The sentence for an applied change; null for one the timeline does not show (a profile update). */
export function describeChange(body: GroupChangeBody, nameOf: Names): string | null {
  const who = nameOf(body.author);
  switch (body.action) {
    case 'create':
      return `${who} created the group "${body.name}"`;
    case 'invite':
      return `${who} invited ${list(
        body.members.map((member) => member.accountId),
        nameOf,
      )}`;
    case 'accept':
      return `${who} joined`;
    case 'decline':
      return `${who} declined the invitation`;
    case 'leave':
      return `${who} left`;
    case 'remove':
      return `${who} removed ${list(body.members, nameOf)}`;
    case 'promote':
      return `${who} made ${list(body.members, nameOf)} an admin`;
    case 'rename':
      return `${who} renamed the group to "${body.name}"`;
    case 'describe':
      return body.description === '' ? `${who} cleared the description` : `${who} changed the description`;
    case 'set-avatar':
      return body.avatar === null ? `${who} removed the group photo` : `${who} changed the group photo`;
    case 'update-profile':
      return null;
  }
}

/** Names for the timeline: the user's name for a contact, else the name the group knows, else a short id. */
async function namesFor(db: EngineDatabase, state: GroupState | null, self: AccountId): Promise<Names> {
  const groupNames = new Map<string, string>();
  for (const entry of [...(state?.formerMembers ?? []), ...(state?.members ?? [])]) {
    if (entry.name !== null) groupNames.set(entry.accountId, entry.name);
  }
  const contacts = new Map((await db.contacts.toArray()).map((contact) => [contact.accountId, contact]));
  return (accountId) => {
    if (accountId === self) return 'You';
    const contact = contacts.get(accountId);
    return contact?.displayName ?? groupNames.get(accountId) ?? contact?.profileName ?? `${accountId.slice(0, 8)}…`;
  };
}

function appliedIds(fold: GroupFold): Set<string> {
  return new Set(fold.outcomes.filter((outcome) => outcome.applied).map((outcome) => outcome.id));
}

/** Writes the conversation row and the lines for changes `merge` newly applied. */
export async function recordGroupMerge(db: EngineDatabase, merge: GroupMerge, self: AccountId, now: number) {
  const state = merge.after.state;
  if (state === null || merge.record.membership === 'none') return;
  const conversationId = groupConversationId(state.groupId);
  const stored = await db.conversations.get(conversationId);
  const conversation: ConversationRecord = stored ?? {
    id: conversationId,
    kind: 'group',
    peerId: state.groupId,
    title: state.name,
    lastActivityAt: now,
    lastSortKey: '',
    unreadCount: 0,
    preview: null,
    createdAt: now,
  };
  conversation.title = state.name;

  const before = appliedIds(merge.before);
  const nameOf = await namesFor(db, state, self);
  const lines: NewMessageRecord[] = [];
  for (const outcome of merge.after.outcomes) {
    if (!outcome.applied || before.has(outcome.id)) continue;
    const change = merge.set.get(outcome.id);
    if (change === undefined) continue;
    const body = describeChange(change.body, nameOf);
    if (body === null) continue;
    lines.push({
      id: change.body.id,
      conversationId,
      kind: 'group-event',
      direction: change.body.author === self ? 'outgoing' : 'incoming',
      senderAccountId: change.body.author,
      sentAt: change.body.sentAt,
      receivedAt: now,
      sortKey: messageSortKey(change.body.sentAt, change.body.id),
      state: 'delivered',
      envelopeId: null,
      serverTimestamp: null,
      body,
    });
  }
  const existing = await db.messages.bulkGet(lines.map((line) => line.id));
  const fresh = lines.filter((_, index) => existing[index] === undefined);
  if (fresh.length > 0) await db.messages.bulkAdd(fresh);
  for (const line of fresh) {
    conversation.lastActivityAt = Math.max(conversation.lastActivityAt, Math.min(line.sentAt, now));
    if (line.sortKey > conversation.lastSortKey) {
      conversation.lastSortKey = line.sortKey;
      conversation.preview = previewOf(line.body ?? '');
    }
  }
  await db.conversations.put(conversation);
}
