/**
 * @mentions in the composer and in bubbles (docs/protocol.md §6, text
 * `mentions`), pure so tests pin them. The composer remembers which members
 * were picked ("@Name" tokens); the ranges are found again in the text at
 * send, so any editing before, inside or after a token keeps them right (a
 * token the user broke is simply no mention any more).
 */
import type { AccountId } from '@parley/crypto-core/wire';

export interface MentionRange {
  readonly start: number;
  readonly length: number;
  readonly accountId: AccountId;
}

export interface MentionCandidate {
  readonly accountId: AccountId;
  readonly name: string;
}

/** How many members the suggestion list shows at most. */
export const MAX_SUGGESTIONS = 6;

const WORD = /[\p{L}\p{N}_]/u;

/** The "@" query the caret is in: "@" at the start or after whitespace, then letters up to the caret; null otherwise. */
export function mentionQuery(text: string, caret: number): { readonly start: number; readonly query: string } | null {
  const before = text.slice(0, caret);
  const match = /(^|\s)@([\p{L}\p{N}_.'-]*)$/u.exec(before);
  if (match === null) return null;
  const query = match[2] ?? '';
  return { start: caret - query.length - 1, query };
}

/** Members whose name, or a word of it, starts with the query (case-insensitive), in the given order, at most MAX_SUGGESTIONS. */
export function matchMembers(members: readonly MentionCandidate[], query: string): readonly MentionCandidate[] {
  const wanted = query.toLocaleLowerCase();
  return members
    .filter(({ name }) =>
      name
        .toLocaleLowerCase()
        .split(/\s+/u)
        .some((word) => word.startsWith(wanted)),
    )
    .slice(0, MAX_SUGGESTIONS);
}

/** Replaces the query (from `start` to the caret) with "@Name " and answers the new text and caret. */
export function insertMention(
  text: string,
  start: number,
  caret: number,
  name: string,
): { readonly text: string; readonly caret: number } {
  const token = `@${name} `;
  return { text: text.slice(0, start) + token + text.slice(caret), caret: start + token.length };
}

/**
 * The ranges of the picked members' "@Name" tokens in `body`: each where it
 * stands as a whole (not followed by a letter or digit), longest names first
 * so "@Ann Lee" wins over "@Ann", in body order, never overlapping.
 */
export function mentionRanges(body: string, picked: readonly MentionCandidate[]): readonly MentionRange[] {
  const found: MentionRange[] = [];
  const taken = (start: number, end: number) =>
    found.some((range) => start < range.start + range.length && range.start < end);
  const byLength = [...picked].sort((a, b) => b.name.length - a.name.length);
  for (const { accountId, name } of byLength) {
    const token = `@${name}`;
    for (let at = body.indexOf(token); at !== -1; at = body.indexOf(token, at + 1)) {
      const end = at + token.length;
      const previous = at === 0 ? '' : (body[at - 1] ?? '');
      if (WORD.test(previous) || WORD.test(body[end] ?? '') || taken(at, end)) continue;
      found.push({ start: at, length: token.length, accountId });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

export type MentionSegment =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'mention'; readonly text: string; readonly accountId: AccountId };

/**
 * A body cut into plain text and mentions. Ranges that do not fit (past the
 * end, overlapping, out of order: an engine keeps only valid ones, this
 * guards the view) are left as plain text.
 */
export function splitMentions(body: string, mentions: readonly MentionRange[]): readonly MentionSegment[] {
  const segments: MentionSegment[] = [];
  let at = 0;
  for (const { start, length, accountId } of mentions) {
    if (start < at || length < 1 || start + length > body.length) continue;
    if (start > at) segments.push({ kind: 'text', text: body.slice(at, start) });
    segments.push({ kind: 'mention', text: body.slice(start, start + length), accountId });
    at = start + length;
  }
  if (at < body.length) segments.push({ kind: 'text', text: body.slice(at) });
  return segments;
}

/** Who the composer offers: the group's joined members but us, by their shown name (an account id's start when they have none). */
export function mentionCandidates(
  members: readonly { readonly accountId: AccountId; readonly name: string | null; readonly status: string }[],
  self: string,
): readonly MentionCandidate[] {
  return members
    .filter((member) => member.status === 'joined' && member.accountId !== self)
    .map(({ accountId, name }) => ({ accountId, name: name ?? accountId.slice(0, 8) }));
}
