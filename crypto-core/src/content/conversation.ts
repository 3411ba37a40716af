/**
 * Conversation features in content (docs/protocol.md §6, "Conversation
 * features"): replies and disappearing-message timers on texts (text version
 * 2), reactions, edits, delete for everyone and the conversation's timer
 * setting (new types within version 1). Kept apart from schema.ts so each
 * feature's shapes, limits and windows are read in one place. Browser-safe.
 */
import { z } from 'zod';
import { accountIdSchema, timestampSchema } from '../wire/primitives.js';
import { textWireSchema, uuidSchema, wellFormedText } from './schema.js';

/** Disappearing-message timers a conversation may have, in seconds (0 is "off"): 30 s, 5 min, 1 h, 8 h, 1 day, 1 week, 4 weeks. */
export const EXPIRE_TIMER_SECONDS = [30, 300, 3600, 28_800, 86_400, 604_800, 2_419_200] as const;
export type ExpireTimerSeconds = (typeof EXPIRE_TIMER_SECONDS)[number];

/** Longest quoted snippet a reply carries, in UTF-16 code units (the receiver shows it when it lacks the original). */
export const MAX_QUOTE_TEXT_LENGTH = 200;
/** Most mentions one text carries. */
export const MAX_MENTIONS = 50;
/** How long after sending its author may edit a message (ms): 24 hours, as in Signal. */
export const EDIT_WINDOW_MS = 24 * 60 * 60 * 1000;
/** How long after sending its author may delete a message for everyone (ms): 24 hours. */
export const DELETE_FOR_EVERYONE_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Most edits of one message. */
export const MAX_EDITS = 10;
/** Longest reaction emoji in UTF-16 code units (room for ZWJ sequences with skin tones). */
export const MAX_REACTION_EMOJI_LENGTH = 32;

const TIMER_SET: ReadonlySet<number> = new Set(EXPIRE_TIMER_SECONDS);

/** A running timer: one of EXPIRE_TIMER_SECONDS. */
export const expireTimerSchema = z
  .number()
  .int()
  .refine((seconds) => TIMER_SET.has(seconds), `must be one of ${EXPIRE_TIMER_SECONDS.join(', ')} seconds`);

/** A conversation's setting: 0 (off) or a running timer. */
export const expireTimerSettingSchema = z
  .number()
  .int()
  .refine(
    (seconds) => seconds === 0 || TIMER_SET.has(seconds),
    `must be 0 or one of ${EXPIRE_TIMER_SECONDS.join(', ')} seconds`,
  );

// One emoji: pictographs, regional indicators, keycaps, with their modifiers
// and joiners; no text, no whitespace.
const EMOJI_PARTS = /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\p{Emoji_Modifier}|\u200d|\ufe0f|\u20e3)+$/u;
const EMOJI_BASE = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;

export function isReactionEmoji(value: string): boolean {
  return (
    value.length >= 1 && value.length <= MAX_REACTION_EMOJI_LENGTH && EMOJI_PARTS.test(value) && EMOJI_BASE.test(value)
  );
}

export const reactionEmojiSchema = z.string().refine(isReactionEmoji, 'must be one emoji');

/** What a reply quotes: enough to show the quote even when the receiver lacks the original. */
export const quoteSchema = z.strictObject({
  id: uuidSchema,
  author: accountIdSchema,
  text: wellFormedText(0, MAX_QUOTE_TEXT_LENGTH),
});

/** One mention: `length` UTF-16 code units of the body from `start` name the account `accountId`. */
export const mentionSchema = z.strictObject({
  start: z.number().int().min(0),
  length: z.number().int().min(1),
  accountId: accountIdSchema,
});

/**
 * Where a text's mentions break the rules: each range lies inside the body,
 * does not split a surrogate pair, and starts at or after the end of the one
 * before (in order, not overlapping). Undefined when they keep them.
 */
export function mentionRangesProblem(
  body: string,
  mentions: readonly { readonly start: number; readonly length: number }[],
): string | undefined {
  let previousEnd = 0;
  for (const [index, { start, length }] of mentions.entries()) {
    const end = start + length;
    if (end > body.length) return `mention ${index} ends at ${end}, past the body's ${body.length} code units`;
    if (start < previousEnd)
      return `mention ${index} starts at ${start}, before the previous one ends (${previousEnd})`;
    if (splitsPair(body, start) || splitsPair(body, end)) return `mention ${index} splits a surrogate pair`;
    previousEnd = end;
  }
  return undefined;
}

function splitsPair(body: string, at: number): boolean {
  if (at <= 0 || at >= body.length) return false;
  const before = body.charCodeAt(at - 1);
  const after = body.charCodeAt(at);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

/**
 * Text version 2: version 1's fields plus a reply's `quote`, the message's
 * disappearing timer and its mentions. A writer uses version 2 only when one
 * of them is there (a version-1 reader shows it as "needs a newer version"
 * instead of showing it without its quote, keeping it forever or losing who
 * was mentioned).
 */
export const textV2WireSchema = textWireSchema
  .extend({
    v: z.literal(2),
    quote: quoteSchema.optional(),
    expireTimer: expireTimerSchema.optional(),
    mentions: z.array(mentionSchema).min(1).max(MAX_MENTIONS).optional(),
  })
  .superRefine((text, context) => {
    if (text.mentions === undefined) return;
    const problem = mentionRangesProblem(text.body, text.mentions);
    if (problem !== undefined) context.addIssue({ code: 'custom', path: ['mentions'], message: problem });
  });

/** A person's reaction to a message: `emoji` sets or changes it, absent removes it. */
export const reactionWireSchema = z.strictObject({
  v: z.literal(1),
  type: z.literal('reaction'),
  id: uuidSchema,
  sentAt: timestampSchema,
  targetMessageId: uuidSchema,
  targetAuthor: accountIdSchema,
  emoji: reactionEmojiSchema.optional(),
  groupId: uuidSchema.optional(),
});

/** The author's new text for one of its messages; `editNumber` counts its edits from 1. */
export const editWireSchema = z.strictObject({
  v: z.literal(1),
  type: z.literal('edit'),
  id: uuidSchema,
  sentAt: timestampSchema,
  targetMessageId: uuidSchema,
  body: wellFormedText(1),
  editNumber: z.number().int().min(1).max(MAX_EDITS),
  groupId: uuidSchema.optional(),
});

/** The author removes one of its messages for everyone. */
export const deleteWireSchema = z.strictObject({
  v: z.literal(1),
  type: z.literal('delete'),
  id: uuidSchema,
  sentAt: timestampSchema,
  targetMessageId: uuidSchema,
  groupId: uuidSchema.optional(),
});

/** The conversation's disappearing-message timer changed (0: off). */
export const expireTimerWireSchema = z.strictObject({
  v: z.literal(1),
  type: z.literal('expire-timer'),
  id: uuidSchema,
  sentAt: timestampSchema,
  seconds: expireTimerSettingSchema,
  groupId: uuidSchema.optional(),
});

export type Quote = z.infer<typeof quoteSchema>;
export type Mention = z.infer<typeof mentionSchema>;
export type TextV2Wire = z.infer<typeof textV2WireSchema>;
export type ReactionWire = z.infer<typeof reactionWireSchema>;
export type EditWire = z.infer<typeof editWireSchema>;
export type DeleteWire = z.infer<typeof deleteWireSchema>;
export type ExpireTimerWire = z.infer<typeof expireTimerWireSchema>;

type WithoutVersion<T> = { readonly [K in keyof Omit<T, 'v'>]: Omit<T, 'v'>[K] };
export type ReactionContent = WithoutVersion<ReactionWire>;
export type EditContent = WithoutVersion<EditWire>;
export type DeleteContent = WithoutVersion<DeleteWire>;
export type ExpireTimerContent = WithoutVersion<ExpireTimerWire>;
export type ConversationActionContent = ReactionContent | EditContent | DeleteContent | ExpireTimerContent;

/** The new version-1 types, by their `type` value. */
export const CONVERSATION_WIRE_SCHEMAS = {
  reaction: reactionWireSchema,
  edit: editWireSchema,
  delete: deleteWireSchema,
  'expire-timer': expireTimerWireSchema,
} as const;

/** Content as the codec writes it: `v: 1` first, then the fields in their documented order, absent ones left out. */
export function conversationActionToWire(content: ConversationActionContent): Record<string, unknown> {
  const schema = CONVERSATION_WIRE_SCHEMAS[content.type];
  const fields = content as unknown as Record<string, unknown>;
  const wire: Record<string, unknown> = { v: 1, type: content.type };
  for (const key of Object.keys(schema.shape)) {
    if (key !== 'v' && key !== 'type' && fields[key] !== undefined) wire[key] = fields[key];
  }
  return wire;
}

/** The decoded form: the wire object without `v`. */
export function conversationActionFromWire(
  wire: ReactionWire | EditWire | DeleteWire | ExpireTimerWire,
): ConversationActionContent {
  const { v: _version, ...content } = wire;
  return content;
}
