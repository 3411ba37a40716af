/** Filtering and ordering of the conversation list (pure, so tests pin it). */
import type { ConversationView } from '../../engine/index.js';

/** Lower case without accents, so "zoe" finds "Zoë". */
export function foldForSearch(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

/** Conversations whose name contains every word of the query, most recent activity first. */
export function filterConversations(conversations: readonly ConversationView[], query: string): ConversationView[] {
  const words = foldForSearch(query)
    .split(/\s+/)
    .filter((word) => word.length > 0);
  const matching =
    words.length === 0
      ? [...conversations]
      : conversations.filter((conversation) => {
          const name = foldForSearch(conversation.name);
          return words.every((word) => name.includes(word));
        });
  return matching.sort((a, b) => b.lastActivityAt - a.lastActivityAt || a.name.localeCompare(b.name));
}
