import { describe, expect, it } from 'vitest';
import { filterChoices, memberChoices } from '../../../src/renderer/app/groups/member-choices.js';
import {
  groupPowers,
  memberActions,
  memberCountText,
  memberName,
  orderMembers,
} from '../../../src/renderer/app/groups/member-roles.js';
import type { ContactView, GroupMemberView, GroupView } from '../../../src/renderer/engine/index.js';

const SELF = 'selfselfselfselfselfselfselfself';

function member(accountId: string, role: 'admin' | 'member', status: 'joined' | 'invited', name: string | null = null) {
  return { accountId, name, role, status } as GroupMemberView;
}

function group(membership: GroupView['membership'], members: GroupMemberView[]): GroupView {
  return {
    groupId: 'g',
    conversationId: 'group:g',
    name: 'Hikers',
    description: '',
    avatarUrl: null,
    membership,
    invitedBy: null,
    request: false,
    members,
    formerMembers: [],
  };
}

describe('what the group info panel offers', () => {
  const bob = member('bobbobbobbobbobbobbobbobbobbobbo', 'member', 'joined', 'Bob');
  const carol = member('carolcarolcarolcarolcarolcarolca', 'member', 'invited', 'Carol');
  const dave = member('davedavedavedavedavedavedavedave', 'admin', 'joined', 'Dave');

  it('a joined admin edits, removes any other member and promotes joined non-admins', () => {
    const powers = groupPowers(group('joined', [member(SELF, 'admin', 'joined'), bob, carol, dave]), SELF);
    expect(powers).toEqual({ edit: true, administer: true, leave: true });
    expect(memberActions(powers, bob, SELF)).toEqual({ remove: true, promote: true });
    expect(memberActions(powers, carol, SELF)).toEqual({ remove: true, promote: false });
    expect(memberActions(powers, dave, SELF)).toEqual({ remove: true, promote: false });
    expect(memberActions(powers, member(SELF, 'admin', 'joined'), SELF)).toEqual({ remove: false, promote: false });
  });

  it('a joined member edits and leaves but neither removes nor promotes', () => {
    const powers = groupPowers(group('joined', [member(SELF, 'member', 'joined'), bob, dave]), SELF);
    expect(powers).toEqual({ edit: true, administer: false, leave: true });
    expect(memberActions(powers, bob, SELF)).toEqual({ remove: false, promote: false });
  });

  it('the invited and former members change nothing', () => {
    expect(groupPowers(group('invited', [member(SELF, 'member', 'invited'), dave]), SELF)).toEqual({
      edit: false,
      administer: false,
      leave: false,
    });
    expect(groupPowers(group('former', [bob, dave]), SELF)).toEqual({ edit: false, administer: false, leave: false });
  });

  it('lists you first, then admins, then the others by name', () => {
    const zed = member('zedzedzedzedzedzedzedzedzedzedze', 'member', 'joined', 'Zed');
    const order = orderMembers([zed, bob, member(SELF, 'member', 'joined'), dave, carol], SELF);
    expect(order.map((entry) => memberName(entry, SELF))).toEqual(['You', 'Dave', 'Bob', 'Carol', 'Zed']);
  });

  it('names and counts', () => {
    expect(memberName(bob, SELF)).toBe('Bob');
    expect(memberName(member(SELF, 'admin', 'joined', 'Me'), SELF)).toBe('You');
    expect(memberName(member('xyzxyzxyzxyz', 'member', 'joined'), SELF)).toBe('xyzxyzxy…');
    expect(memberCountText(1)).toBe('1 member');
    expect(memberCountText(3)).toBe('3 members');
  });
});

describe('contacts the picker offers', () => {
  function contact(accountId: string, displayName: string | null, extra: Partial<ContactView> = {}): ContactView {
    return {
      accountId,
      displayName,
      relayUrl: 'http://127.0.0.1:1',
      verified: false,
      origin: 'added',
      accessDenied: false,
      status: 'accepted',
      blocked: false,
      profileName: null,
      avatarUrl: null,
      ...extra,
    } as ContactView;
  }

  const contacts = [
    contact('zoezoezoezoezoezoezoezoezoezoezo', 'Zoë Martin'),
    contact('bobbobbobbobbobbobbobbobbobbobbo', 'Bob'),
    contact('reqreqreqreqreqreqreqreqreqreqre', 'Stranger', { status: 'request' }),
    contact('blkblkblkblkblkblkblkblkblkblkbl', 'Blocked', { blocked: true }),
    contact('prfprfprfprfprfprfprfprfprfprfpr', null, { profileName: 'Pat' }),
  ];

  it('accepted, unblocked contacts not in the group, by name', () => {
    const choices = memberChoices(contacts, new Set(['bobbobbobbobbobbobbobbobbobbobbo']));
    expect(choices.map((choice) => choice.name)).toEqual(['Pat', 'Zoë Martin']);
  });

  it('the filter matches every word, case- and accent-blind', () => {
    const choices = memberChoices(contacts, new Set());
    expect(filterChoices(choices, 'zoe').map((choice) => choice.name)).toEqual(['Zoë Martin']);
    expect(filterChoices(choices, 'MAR zo').map((choice) => choice.name)).toEqual(['Zoë Martin']);
    expect(filterChoices(choices, 'nobody')).toEqual([]);
    expect(filterChoices(choices, '')).toHaveLength(3);
  });
});
