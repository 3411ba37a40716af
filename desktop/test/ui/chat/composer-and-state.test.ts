import { describe, expect, it } from 'vitest';
import { composerAction, sendableText } from '../../../src/renderer/app/chat/composer-keys.js';
import { deliveryDisplay } from '../../../src/renderer/app/chat/delivery.js';
import { shouldMarkRead } from '../../../src/renderer/app/chat/read-marking.js';
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
});

describe('shouldMarkRead', () => {
  const row = (direction: 'incoming' | 'outgoing', state: MessageView['state']) =>
    ({ direction, state }) as MessageView;

  it('marks read only with unread incoming rows on a visible, focused page', () => {
    expect(shouldMarkRead([row('incoming', 'read'), row('incoming', 'delivered')], true)).toBe(true);
    expect(shouldMarkRead([row('incoming', 'delivered')], false)).toBe(false);
    expect(shouldMarkRead([row('outgoing', 'delivered'), row('incoming', 'read')], true)).toBe(false);
  });
});
