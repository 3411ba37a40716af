import { describe, expect, it } from 'vitest';
import { filterConversations, foldForSearch } from '../../src/renderer/app/state/conversation-filter.js';
import type { ConversationView } from '../../src/renderer/engine/index.js';

function conversation(id: string, name: string, lastActivityAt: number): ConversationView {
  return {
    id: `direct:${id}`,
    kind: 'direct',
    peerId: id,
    name,
    contact: null,
    lastActivityAt,
    unreadCount: 0,
    preview: null,
    expireTimer: 0,
    group: null,
    mutedUntil: null,
  };
}

const list = [
  conversation('a', 'Alice Martin', 100),
  conversation('b', 'Bob', 300),
  conversation('z', 'Zoë Durand', 200),
  conversation('m', 'Martin', 300),
];

describe('filterConversations', () => {
  it('orders by activity, newest first, and by name on a tie', () => {
    expect(filterConversations(list, '').map((c) => c.name)).toEqual(['Bob', 'Martin', 'Zoë Durand', 'Alice Martin']);
  });

  it('keeps conversations whose name contains every word, ignoring case and accents', () => {
    expect(filterConversations(list, 'martin').map((c) => c.name)).toEqual(['Martin', 'Alice Martin']);
    expect(filterConversations(list, 'MAR ali').map((c) => c.name)).toEqual(['Alice Martin']);
    expect(filterConversations(list, 'zoe').map((c) => c.name)).toEqual(['Zoë Durand']);
    expect(filterConversations(list, '  ')).toHaveLength(4);
    expect(filterConversations(list, 'carol')).toEqual([]);
  });

  it('does not reorder the list it was given', () => {
    const copy = [...list];
    filterConversations(list, '');
    expect(list).toEqual(copy);
  });

  it('folds text for search', () => {
    expect(foldForSearch('Ångström É')).toBe('angstrom e');
  });
});
