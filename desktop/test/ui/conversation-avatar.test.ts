import { describe, expect, it } from 'vitest';
import { conversationAvatarUrl } from '../../src/renderer/app/state/avatar.js';

const PICTURE = 'data:image/png;base64,AAAA';
const PHOTO = 'data:image/webp;base64,BBBB';

describe('conversationAvatarUrl', () => {
  it("shows a direct conversation's contact picture and a group's photo", () => {
    expect(conversationAvatarUrl({ contact: { avatarUrl: PICTURE }, group: null })).toBe(PICTURE);
    expect(conversationAvatarUrl({ contact: null, group: { avatarUrl: PHOTO } })).toBe(PHOTO);
  });

  it('answers null (initials) without a picture or before the conversation is read', () => {
    expect(conversationAvatarUrl({ contact: { avatarUrl: null }, group: null })).toBeNull();
    expect(conversationAvatarUrl({ contact: null, group: { avatarUrl: null } })).toBeNull();
    expect(conversationAvatarUrl({ contact: null, group: null })).toBeNull();
    expect(conversationAvatarUrl(null)).toBeNull();
  });
});
