/** Filtering and ordering of the conversation list (pure, so tests pin it). */
import type { ConversationView } from '../../engine/index.js';

/** Lower case without accents, so "zoe" finds "Zoë". */
export function foldForSearch(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

/** `name` contains every word of `query` (case- and accent-blind); an empty query matches all. */
export function matchesEveryWord(name: string, query: string): boolean {
  const folded = foldForSearch(name);
  return foldForSearch(query)
    .split(/\s+/)
    .every((word) => folded.includes(word));
}

/** Conversations whose name contains every word of the query, most recent activity first. */
export function filterConversations(conversations: readonly ConversationView[], query: string): ConversationView[] {
  const matching = conversations.filter((conversation) => matchesEveryWord(conversation.name, query));
  return matching.sort((a, b) => b.lastActivityAt - a.lastActivityAt || a.name.localeCompare(b.name));
}
