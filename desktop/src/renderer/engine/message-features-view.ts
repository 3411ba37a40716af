/**
 * What a message view shows of conversation features (docs/protocol.md §6,
 * Conversation features): its quote, reactions grouped by emoji with who
 * reacted, the edited mark and history, the deleted tombstone, the timer,
 * and the times message info shows.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type { EditRecord, MentionRecord, MessageRecord, QuoteRecord } from './records.js';

export interface ReactionSummary {
  readonly emoji: string;
  readonly count: number;
  /** Who reacted with it, in the order they did. */
  readonly accountIds: readonly AccountId[];
}

export interface MessageFeatures {
  /** A reply: what it quotes (the snippet the sender sent; the original may be found by `quote.id`). */
  readonly quote: QuoteRecord | null;
  /** Reactions by emoji, most used first. */
  readonly reactions: readonly ReactionSummary[];
  /** The author edited it (`edits` holds the earlier texts, oldest first). */
  readonly edited: boolean;
  readonly edits: readonly EditRecord[];
  /** When the shown text was written (the newest edit, or when it was sent). */
  readonly editedAt: number | null;
  /** Deleted for everyone: show "This message was deleted". */
  readonly deleted: boolean;
  /** Its disappearing timer in seconds, or null. */
  readonly expireTimer: number | null;
  /** When it disappears (null: not counting yet, or kept). */
  readonly expiresAt: number | null;
  /** Own direct messages: when the peer's receipts said delivered and read. */
  readonly deliveredAt: number | null;
  readonly readAt: number | null;
  /** A group text's mentions, ranges of its body in order (empty: none). */
  readonly mentions: readonly MentionRecord[];
  /** One of them names us. */
  readonly mentionsMe: boolean;
}

/** A message none of the features touched (a plain text, or a notice). */
export const PLAIN_MESSAGE_FEATURES: MessageFeatures = {
  quote: null,
  reactions: [],
  edited: false,
  edits: [],
  editedAt: null,
  deleted: false,
  expireTimer: null,
  expiresAt: null,
  deliveredAt: null,
  readAt: null,
  mentions: [],
  mentionsMe: false,
};

export function messageFeatures(message: MessageRecord): MessageFeatures {
  const byEmoji = new Map<string, { accountIds: AccountId[]; first: number }>();
  for (const reaction of [...(message.reactions ?? [])].sort((a, b) => a.sentAt - b.sentAt)) {
    if (reaction.emoji === null) continue;
    const entry = byEmoji.get(reaction.emoji) ?? { accountIds: [], first: reaction.sentAt };
    entry.accountIds.push(reaction.accountId);
    byEmoji.set(reaction.emoji, entry);
  }
  const reactions = [...byEmoji.entries()]
    .sort(([, a], [, b]) => b.accountIds.length - a.accountIds.length || a.first - b.first)
    .map(([emoji, { accountIds }]) => ({ emoji, count: accountIds.length, accountIds }));
  const edits = message.edits ?? [];
  const deleted = (message.deletedAt ?? null) !== null;
  return {
    quote: message.quote ?? null,
    reactions,
    edited: edits.length > 0,
    edits,
    editedAt: message.editedAt ?? null,
    deleted,
    expireTimer: message.expireTimer ?? null,
    expiresAt: message.expiresAt ?? null,
    deliveredAt: message.deliveredAt ?? null,
    readAt: message.readAt ?? null,
    // A deleted message keeps no text, so no mentions either.
    mentions: deleted || edits.length > 0 ? [] : (message.mentions ?? []),
    mentionsMe: message.mentionsMe === true,
  };
}
