import { describe, expect, it } from 'vitest';
import { composerAction, sendableText } from '../../../src/renderer/app/chat/composer-keys.js';
import { deliveryDisplay, shownState } from '../../../src/renderer/app/chat/delivery.js';
import { conversationInSight, readThrough } from '../../../src/renderer/app/chat/read-marking.js';
import type { MessageView } from '../../../src/renderer/engine/queries.js';

const key = (k: string, extra: Partial<Parameters<typeof composerAction>[0]> = {}) => ({
  key: k,
  shiftKey: false,
  isComposing: false,
  ...extra,
});

describe('composer keys', () => {
  it('sends on Enter, adds a line on Shift+Enter, leaves IME composition alone', () => {
    expect(composerAction(key('Enter'))).toBe('send');
    expect(composerAction(key('Enter', { shiftKey: true }))).toBe('newline');
    expect(composerAction(key('Enter', { isComposing: true }))).toBe('none');
    expect(composerAction(key('Enter', { ctrlKey: true }))).toBe('none');
    expect(composerAction(key('a'))).toBe('none');
  });

  it('sends text as written but never a blank one', () => {
    expect(sendableText('  \n ')).toBeNull();
    expect(sendableText(' two\nlines ')).toBe(' two\nlines ');
  });
});

describe('delivery display', () => {
  it('names every state in words with its icon', () => {
    expect(deliveryDisplay('sending')).toEqual({ icon: 'clock', label: 'Sending' });
    expect(deliveryDisplay('sent').icon).toBe('check');
    expect(deliveryDisplay('delivered').icon).toBe('double-check');
    expect(deliveryDisplay('read').icon).toBe('double-check-filled');
    expect(deliveryDisplay('failed')).toEqual({ icon: 'exclamation', label: 'Not sent' });
  });

  it('shows "read" as "delivered" while read receipts are off, every other state as it is', () => {
    expect(shownState('read', false)).toBe('delivered');
    expect(shownState('read', true)).toBe('read');
    for (const state of ['sending', 'sent', 'delivered', 'failed'] as const) {
      expect(shownState(state, false)).toBe(state);
    }
  });
});

describe('read marking', () => {
  const row = (direction: 'incoming' | 'outgoing', state: MessageView['state'], position: string) =>
    ({ direction, state, position }) as MessageView;
  const sight = { pageVisible: true, windowFocused: true, covered: false };

  it('sees the conversation only on a visible page in a focused window with nothing over it', () => {
    expect(conversationInSight(sight)).toBe(true);
    expect(conversationInSight({ ...sight, pageVisible: false })).toBe(false);
    expect(conversationInSight({ ...sight, windowFocused: false })).toBe(false);
    expect(conversationInSight({ ...sight, covered: true })).toBe(false);
  });

  it('marks read through the newest row in the viewport, only when an unread one is at or above it', () => {
    const rows = [row('incoming', 'read', 'a'), row('incoming', 'delivered', 'b'), row('incoming', 'delivered', 'c')];
    expect(readThrough(rows, 'b', true)).toBe('b');
    expect(readThrough(rows, 'c', true)).toBe('c');
    // The unread ones are all below the viewport: nothing seen yet.
    expect(readThrough(rows, 'a', true)).toBeNull();
    expect(readThrough(rows, null, true)).toBeNull();
    expect(readThrough(rows, 'c', false)).toBeNull();
    expect(readThrough([row('outgoing', 'delivered', 'a'), row('incoming', 'read', 'b')], 'b', true)).toBeNull();
  });
});
