import type { AccountId } from '@parley/crypto-core/wire';
import { describe, expect, it } from 'vitest';
import {
  insertMention,
  MAX_SUGGESTIONS,
  matchMembers,
  mentionCandidates,
  mentionQuery,
  mentionRanges,
  splitMentions,
} from '../../../src/renderer/app/chat/mentions.js';

const BOB = { accountId: 'b'.repeat(32) as AccountId, name: 'Bob' };
const BOBBY = { accountId: 'c'.repeat(32) as AccountId, name: 'Bobby Tables' };
const ANN = { accountId: 'd'.repeat(32) as AccountId, name: 'Ann Lee' };

describe('mentionQuery', () => {
  it('finds "@" and the letters before the caret, at the start or after a space', () => {
    expect(mentionQuery('@bo', 3)).toEqual({ start: 0, query: 'bo' });
    expect(mentionQuery('hi @', 4)).toEqual({ start: 3, query: '' });
    expect(mentionQuery('hi @Bo and', 6)).toEqual({ start: 3, query: 'Bo' });
  });

  it('ignores e-mail addresses, a space after the query, and text past the caret', () => {
    expect(mentionQuery('me@bo', 5)).toBeNull();
    expect(mentionQuery('@bo ', 4)).toBeNull();
    expect(mentionQuery('plain', 5)).toBeNull();
  });
});

describe('matchMembers', () => {
  it('matches the start of any word, case-insensitively, at most MAX_SUGGESTIONS', () => {
    expect(matchMembers([BOB, BOBBY, ANN], 'bo')).toEqual([BOB, BOBBY]);
    expect(matchMembers([BOB, BOBBY, ANN], 'tab')).toEqual([BOBBY]);
    expect(matchMembers([BOB, BOBBY, ANN], 'LEE')).toEqual([ANN]);
    expect(matchMembers([BOB, BOBBY, ANN], '')).toEqual([BOB, BOBBY, ANN]);
    expect(matchMembers([BOB, BOBBY, ANN], 'x')).toEqual([]);
    const many = Array.from({ length: 10 }, (_, index) => ({ ...BOB, name: `Bob ${index}` }));
    expect(matchMembers(many, 'b')).toHaveLength(MAX_SUGGESTIONS);
  });
});

describe('insertMention and mentionRanges', () => {
  it('replaces the query with "@Name " and finds its range at send', () => {
    const inserted = insertMention('lunch @bo', 6, 9, 'Bob');
    expect(inserted).toEqual({ text: 'lunch @Bob ', caret: 11 });
    expect(mentionRanges(inserted.text, [BOB])).toEqual([{ start: 6, length: 4, accountId: BOB.accountId }]);
  });

  it('keeps ranges right after edits before the token, and drops a token the user broke', () => {
    expect(mentionRanges('oh, lunch @Bob ?', [BOB])).toEqual([{ start: 10, length: 4, accountId: BOB.accountId }]);
    expect(mentionRanges('lunch @Bo?', [BOB])).toEqual([]);
    expect(mentionRanges('lunch @Bobcat', [BOB])).toEqual([]);
    expect(mentionRanges('mail x@Bob', [BOB])).toEqual([]);
  });

  it('finds every occurrence, prefers the longer name, never overlaps, in body order', () => {
    const picked = [BOB, { accountId: BOBBY.accountId, name: 'Bob Smith' }];
    expect(mentionRanges('@Bob Smith and @Bob', picked)).toEqual([
      { start: 0, length: 10, accountId: BOBBY.accountId },
      { start: 15, length: 4, accountId: BOB.accountId },
    ]);
    expect(mentionRanges('👋 @Bob', [BOB])).toEqual([{ start: 3, length: 4, accountId: BOB.accountId }]);
  });
});

describe('splitMentions', () => {
  it('cuts the body into text and mentions', () => {
    expect(splitMentions('hi @Bob!', [{ start: 3, length: 4, accountId: BOB.accountId }])).toEqual([
      { kind: 'text', text: 'hi ' },
      { kind: 'mention', text: '@Bob', accountId: BOB.accountId },
      { kind: 'text', text: '!' },
    ]);
    expect(splitMentions('plain', [])).toEqual([{ kind: 'text', text: 'plain' }]);
  });

  it('leaves ranges that do not fit as text', () => {
    const bad = [
      { start: 3, length: 9, accountId: BOB.accountId },
      { start: 0, length: 2, accountId: BOB.accountId },
    ];
    expect(splitMentions('hi @Bob', [{ start: 0, length: 2, accountId: BOB.accountId }, ...bad])).toEqual([
      { kind: 'mention', text: 'hi', accountId: BOB.accountId },
      { kind: 'text', text: ' @Bob' },
    ]);
  });
});

describe('mentionCandidates', () => {
  it('offers joined members but us, named or by their account id', () => {
    const members = [
      { accountId: BOB.accountId, name: 'Bob', status: 'joined' },
      { accountId: ANN.accountId, name: null, status: 'joined' },
      { accountId: BOBBY.accountId, name: 'Bobby', status: 'invited' },
      { accountId: 'e'.repeat(32) as AccountId, name: 'Me', status: 'joined' },
    ];
    expect(mentionCandidates(members, 'e'.repeat(32))).toEqual([BOB, { accountId: ANN.accountId, name: 'dddddddd' }]);
  });
});
