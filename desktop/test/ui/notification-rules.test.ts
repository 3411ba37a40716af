import { describe, expect, it } from 'vitest';
import {
  notificationText,
  requestNotificationText,
  shouldNotify,
} from '../../src/renderer/app/state/notification-rules.js';

const looking = {
  enabled: true,
  messageConversationId: 'direct:bob',
  openConversationId: 'direct:bob',
  pageVisible: true,
  windowFocused: true,
  covered: false,
  muted: false,
  mentionsMe: false,
};

describe('shouldNotify', () => {
  it('stays quiet for the conversation the user is reading', () => {
    expect(shouldNotify(looking)).toBe(false);
  });

  it('notifies for another conversation, or when the page is hidden or the window unfocused', () => {
    expect(shouldNotify({ ...looking, openConversationId: 'direct:carol' })).toBe(true);
    expect(shouldNotify({ ...looking, openConversationId: null })).toBe(true);
    expect(shouldNotify({ ...looking, pageVisible: false })).toBe(true);
    expect(shouldNotify({ ...looking, windowFocused: false })).toBe(true);
  });

  it('notifies when settings or a dialog cover the open conversation: the user is not reading it', () => {
    expect(shouldNotify({ ...looking, covered: true })).toBe(true);
  });

  it('never notifies for a muted conversation, even one the user is not reading', () => {
    expect(shouldNotify({ ...looking, muted: true, openConversationId: null, pageVisible: false })).toBe(false);
  });

  it('notifies for a mention even in a muted conversation, but not while the user reads it or with notifications off', () => {
    const away = { ...looking, muted: true, mentionsMe: true, openConversationId: null, pageVisible: false };
    expect(shouldNotify(away)).toBe(true);
    expect(shouldNotify({ ...away, openConversationId: 'direct:bob', pageVisible: true })).toBe(false);
    expect(shouldNotify({ ...away, enabled: false })).toBe(false);
  });

  it('never notifies when notifications are off', () => {
    expect(shouldNotify({ ...looking, enabled: false, openConversationId: null, pageVisible: false })).toBe(false);
  });
});

describe('notificationText', () => {
  it('shows the preview only when previews are on and one exists', () => {
    expect(notificationText('Bob', 'hi there', true)).toEqual({ title: 'Bob', body: 'hi there' });
    expect(notificationText('Bob', 'hi there', false)).toEqual({ title: 'Bob', body: 'New message' });
    expect(notificationText('Bob', null, true)).toEqual({ title: 'Bob', body: 'New message' });
  });

  it('drops bidi controls from the preview, so the system shows the text in its order', () => {
    expect(notificationText('Bob', 'see invoice\u202Efdp.exe', true)).toEqual({
      title: 'Bob',
      body: 'see invoicefdp.exe',
    });
  });
});

describe('requestNotificationText', () => {
  it('names who wrote, never what, without bidi controls', () => {
    expect(requestNotificationText('Mal\u202Elory')).toEqual({
      title: 'Message request',
      body: 'Mallory wants to message you',
    });
  });
});
