import { DELETE_FOR_EVERYONE_WINDOW_MS, EDIT_WINDOW_MS } from '@parley/crypto-core/content';
import { describe, expect, it } from 'vitest';
import { availableActions } from '../../../src/renderer/app/chat/message-actions.js';
import { timerChangeText, timerLabel, timerShortLabel } from '../../../src/renderer/app/chat/timer-labels.js';
import { PLAIN_MESSAGE_FEATURES } from '../../../src/renderer/engine/message-features-view.js';
import type { MessageView } from '../../../src/renderer/engine/queries.js';

const NOW = 1_800_000_000_000;

function message(overrides: Partial<MessageView> = {}): MessageView {
  return {
    id: 'm1',
    conversationId: 'direct:bob',
    kind: 'text',
    direction: 'outgoing',
    senderAccountId: 'me' as MessageView['senderAccountId'],
    sentAt: NOW - 1000,
    receivedAt: null,
    position: '00000001',
    state: 'read',
    body: 'hi',
    ...PLAIN_MESSAGE_FEATURES,
    ...overrides,
  };
}

const direct = { now: NOW, direct: true, canSend: true };

describe('availableActions', () => {
  it('offers everything on a fresh own message in a direct conversation', () => {
    expect(availableActions(message(), direct)).toEqual([
      'reply',
      'react',
      'copy',
      'edit',
      'delete-for-me',
      'delete-for-everyone',
      'info',
    ]);
  });

  it('stops offering edit and delete for everyone once their windows closed', () => {
    const old = message({ sentAt: NOW - Math.max(EDIT_WINDOW_MS, DELETE_FOR_EVERYONE_WINDOW_MS) - 1 });
    expect(availableActions(old, direct)).toEqual(['reply', 'react', 'copy', 'delete-for-me', 'info']);
  });

  it("never offers edit or delete for everyone on someone else's message", () => {
    const theirs = message({ direction: 'incoming', senderAccountId: 'bob' as MessageView['senderAccountId'] });
    expect(availableActions(theirs, direct)).toEqual(['reply', 'react', 'copy', 'delete-for-me', 'info']);
  });

  it('offers only delete for me and info on a deleted message, and the history on an edited one', () => {
    expect(availableActions(message({ deleted: true, body: null }), direct)).toEqual(['delete-for-me', 'info']);
    const edited = message({ edited: true, edits: [{ body: 'old', at: NOW - 2000 }] });
    expect(availableActions(edited, direct)).toContain('history');
  });

  it('in a group: reply, copy, delete for me and info; nothing that sends where sending is impossible', () => {
    expect(availableActions(message(), { ...direct, direct: false })).toEqual([
      'reply',
      'copy',
      'delete-for-me',
      'info',
    ]);
    expect(availableActions(message(), { ...direct, canSend: false })).toEqual(['copy', 'delete-for-me', 'info']);
  });

  it('offers nothing on notices', () => {
    expect(availableActions(message({ kind: 'timer-change', body: '30' }), direct)).toEqual([]);
  });
});

describe('timer labels', () => {
  it('reads every timer, long and short, and the history lines', () => {
    expect(timerLabel(0)).toBe('Off');
    expect(timerLabel(28_800)).toBe('8 hours');
    expect(timerShortLabel(2_419_200)).toBe('4w');
    expect(timerChangeText(3600, true, 'Bob')).toBe('You set disappearing messages to 1 hour.');
    expect(timerChangeText(0, false, 'Bob')).toBe('Bob turned off disappearing messages.');
  });
});
