/**
 * Reactions, edits and deletes for everyone applied to stored messages
 * (docs/protocol.md §6, Conversation features), by whoever sent them: the
 * peer (receive-commit.ts) or this account (conversation-send.ts). The rules:
 *
 * - Only the author edits or deletes, within 24 hours of sending
 *   (EDIT_WINDOW_MS, DELETE_FOR_EVERYONE_WINDOW_MS); anything else is dropped.
 * - Nobody acts on a message of a conversation they are not in: the target
 *   must be in the direct conversation with the sender.
 * - A deleted message is a tombstone: text, quote, edits and reactions gone;
 *   a later reaction or edit to it is dropped.
 * - One reaction per person: the newest (by `sentAt`) wins, a removal is
 *   kept as a null emoji so an older reaction arriving late stays undone.
 * - Edits keep the earlier texts (history) and the highest edit number; an
 *   edit number already applied is a copy and changes nothing.
 * - A target that has not arrived yet: the action is held (`heldActions`)
 *   and applied when the message arrives (releaseHeldActions), dropped after
 *   HELD_ACTION_RETENTION_MS.
 *
 * Runs inside the caller's transaction: IndexedDB work only.
 */
import { DELETE_FOR_EVERYONE_WINDOW_MS, EDIT_WINDOW_MS, MAX_EDITS } from '@parley/crypto-core/content';
import type { AccountId } from '@parley/crypto-core/wire';
import { directConversationId } from './conversation-ids.js';
import type { EngineDatabase } from './database.js';
import { previewOf } from './previews.js';
import type { HeldActionRecord, MessageRecord, ReactionRecord } from './records.js';

export type MessageAction = HeldActionRecord['content'];

/** A reaction, edit or delete, with who sent it. */
export interface IncomingAction {
  readonly senderAccountId: AccountId;
  readonly content: MessageAction;
}

/** How long an action waits for its message before it is dropped. */
export const HELD_ACTION_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export type ActionOutcome =
  | { readonly kind: 'applied'; readonly message: MessageRecord }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'dropped'; readonly reason: string };

const dropped = (reason: string): ActionOutcome => ({ kind: 'dropped', reason });

/** Whether `sender` may act on `target` at all: it is a text of their conversation with us (or ours). */
function inConversation(target: MessageRecord, sender: AccountId, self: AccountId): boolean {
  if (sender === self) return true;
  return target.conversationId === directConversationId(sender);
}

/** Whether the author may still edit (or delete) `target` at `at`. */
export function withinWindow(target: MessageRecord, at: number, windowMs: number): boolean {
  return at >= target.sentAt - 60_000 && at - target.sentAt <= windowMs;
}

export function canEdit(target: MessageRecord, at: number): boolean {
  return (
    target.kind === 'text' &&
    target.direction === 'outgoing' &&
    (target.deletedAt ?? null) === null &&
    (target.editNumber ?? 0) < MAX_EDITS &&
    withinWindow(target, at, EDIT_WINDOW_MS)
  );
}

export function canDeleteForEveryone(target: MessageRecord, at: number): boolean {
  return (
    target.kind === 'text' &&
    target.direction === 'outgoing' &&
    (target.deletedAt ?? null) === null &&
    withinWindow(target, at, DELETE_FOR_EVERYONE_WINDOW_MS)
  );
}

/** What `action` from `sender` does to `target` (pure). */
export function applyAction(
  target: MessageRecord,
  sender: AccountId,
  action: MessageAction,
  self: AccountId,
): ActionOutcome {
  if (target.kind !== 'text') return dropped('not a text');
  if (!inConversation(target, sender, self)) return dropped('a message of another conversation');
  if ((target.deletedAt ?? null) !== null) return dropped('the message was deleted');
  switch (action.type) {
    case 'reaction': {
      if (action.targetAuthor !== target.senderAccountId) return dropped('reaction names another author');
      const reactions = target.reactions ?? [];
      const mine = reactions.find((reaction) => reaction.accountId === sender);
      if (mine !== undefined && mine.sentAt >= action.sentAt) return { kind: 'unchanged' };
      const next: ReactionRecord = { accountId: sender, emoji: action.emoji ?? null, sentAt: action.sentAt };
      return {
        kind: 'applied',
        message: { ...target, reactions: [...reactions.filter((reaction) => reaction.accountId !== sender), next] },
      };
    }
    case 'edit': {
      if (target.senderAccountId !== sender) return dropped('only the author edits');
      if (!withinWindow(target, action.sentAt, EDIT_WINDOW_MS)) return dropped('edit outside the window');
      if (action.editNumber <= (target.editNumber ?? 0)) return { kind: 'unchanged' };
      return {
        kind: 'applied',
        message: {
          ...target,
          body: action.body,
          edits: [...(target.edits ?? []), { body: target.body ?? '', at: target.editedAt ?? target.sentAt }],
          editNumber: action.editNumber,
          editedAt: action.sentAt,
        },
      };
    }
    case 'delete': {
      if (target.senderAccountId !== sender) return dropped('only the author deletes');
      if (!withinWindow(target, action.sentAt, DELETE_FOR_EVERYONE_WINDOW_MS))
        return dropped('delete outside the window');
      return {
        kind: 'applied',
        message: { ...target, body: null, quote: null, edits: [], reactions: [], deletedAt: action.sentAt },
      };
    }
  }
}

/**
 * Applies actions (oldest first) to their messages; holds those whose
 * message is not here yet. Answers the messages changed.
 */
export async function applyActions(
  db: EngineDatabase,
  actions: readonly IncomingAction[],
  context: { readonly self: AccountId; readonly now: number },
): Promise<MessageRecord[]> {
  if (actions.length === 0) return [];
  const ordered = [...actions].sort((a, b) => a.content.sentAt - b.content.sentAt);
  const changed = new Map<string, MessageRecord>();
  const held: HeldActionRecord[] = [];
  for (const action of ordered) {
    const id = action.content.targetMessageId;
    const target = changed.get(id) ?? (await db.messages.get(id));
    if (target === undefined) {
      held.push({
        id: action.content.id,
        targetMessageId: id,
        senderAccountId: action.senderAccountId,
        content: action.content,
        receivedAt: context.now,
      });
      continue;
    }
    const outcome = applyAction(target, action.senderAccountId, action.content, context.self);
    if (outcome.kind === 'applied') changed.set(id, outcome.message);
  }
  if (held.length > 0) await db.heldActions.bulkPut(held);
  await saveChanged(db, [...changed.values()]);
  return [...changed.values()];
}

/**
 * Messages just stored: the actions that waited for them are applied (in
 * `sentAt` order) and forgotten. Answers the messages changed.
 */
export async function releaseHeldActions(
  db: EngineDatabase,
  messageIds: readonly string[],
  context: { readonly self: AccountId; readonly now: number },
): Promise<MessageRecord[]> {
  if (messageIds.length === 0) return [];
  // targetMessageId is stored hashed: equality lookups, one per id.
  const held = (
    await Promise.all(messageIds.map((id) => db.heldActions.where('targetMessageId').equals(id).toArray()))
  ).flat();
  if (held.length === 0) return [];
  await db.heldActions.bulkDelete(held.map((row) => row.id));
  return applyActions(
    db,
    held.map((row) => ({ senderAccountId: row.senderAccountId, content: row.content })),
    context,
  );
}

/** Drops held actions whose message never came (called at start). */
export async function pruneHeldActions(db: EngineDatabase, now: number): Promise<number> {
  const stale = await db.heldActions.filter((row) => now - row.receivedAt > HELD_ACTION_RETENTION_MS).primaryKeys();
  if (stale.length > 0) await db.heldActions.bulkDelete(stale);
  return stale.length;
}

/** Writes changed messages; the conversation's preview follows when one of them is its newest. */
export async function saveChanged(db: EngineDatabase, messages: readonly MessageRecord[]): Promise<void> {
  if (messages.length === 0) return;
  await db.messages.bulkPut([...messages]);
  for (const message of messages) {
    const conversation = await db.conversations.get(message.conversationId);
    if (conversation === undefined || conversation.lastSortKey !== message.sortKey) continue;
    const preview = message.body === null ? null : previewOf(message.body);
    if (conversation.preview !== preview) await db.conversations.update(conversation.id, { preview });
  }
}
