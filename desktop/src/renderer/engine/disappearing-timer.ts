/**
 * A conversation's disappearing-message timer (docs/protocol.md §6,
 * Conversation features): the newest `expire-timer` (by `sentAt`) is in
 * force, from either side, and each change that takes effect leaves a
 * `timer-change` line in the history, so both sides show the same timer and
 * when it changed. Runs inside the caller's transaction.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { messageSortKey } from './conversation-ids.js';
import type { EngineDatabase } from './database.js';
import type { MessageDirection, NewMessageRecord, OutboxActionRecord } from './records.js';

export type TimerChange = Extract<OutboxActionRecord['content'], { type: 'expire-timer' }>;

export interface TimerChangeInput {
  readonly conversationId: string;
  readonly senderAccountId: AccountId;
  readonly direction: MessageDirection;
  readonly content: TimerChange;
  /** Where the line sorts (the sender's clock, bounded by the relay's: orderingTime). */
  readonly sortAt: number;
  readonly now: number;
}

/** Applies the change when it is the newest; answers the timeline line written, or null (older, or a copy). */
export async function applyTimerChange(db: EngineDatabase, input: TimerChangeInput): Promise<NewMessageRecord | null> {
  const conversation = await db.conversations.get(input.conversationId);
  if (conversation === undefined) return null;
  if ((conversation.expireTimerChangedAt ?? -1) >= input.content.sentAt) return null;
  if ((await db.messages.get(input.content.id)) !== undefined) return null;
  await db.conversations.update(conversation.id, {
    expireTimer: input.content.seconds,
    expireTimerChangedAt: input.content.sentAt,
  });
  const line: NewMessageRecord = {
    id: input.content.id,
    conversationId: conversation.id,
    kind: 'timer-change',
    direction: input.direction,
    senderAccountId: input.senderAccountId,
    sentAt: input.content.sentAt,
    receivedAt: input.direction === 'incoming' ? input.now : null,
    sortKey: messageSortKey(input.sortAt, input.content.id),
    // A notice: never unread, never waiting for a receipt.
    state: input.direction === 'incoming' ? 'read' : 'sent',
    envelopeId: null,
    serverTimestamp: null,
    body: String(input.content.seconds),
  };
  await db.messages.add(line);
  return line;
}
