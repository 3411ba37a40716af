/**
 * A group invitation from someone who is not an accepted contact is a
 * message request (issue 13, docs/protocol.md §10 Sending changes): Alice
 * adds Bob's code, Bob never added her, and her group's invitation is listed
 * with Bob's message requests, not his chats, marked `request`; accepting
 * the invitation moves it to the chats. An invitation from a contact (Carol's)
 * is listed with the chats.
 */
import { expect, it } from 'vitest';
import { befriend, groupClient, waitForGroup } from '../support/group-helpers.js';
import { useRelayWorld } from '../support/relay-world.js';
import { waitFor } from '../support/wait.js';

const world = useRelayWorld('group-requests');

it('lists a stranger’s group invitation with the message requests until it is accepted', async () => {
  const alice = await groupClient(world, 'alice');
  const bob = await groupClient(world, 'bob');
  const carol = await groupClient(world, 'carol');
  await alice.engine.addContact(bob.contactCode, 'Bob');
  await befriend(carol, 'Carol', bob, 'Bob');

  const fromAlice = await alice.engine.createGroup({ name: 'Strangers', members: [bob.accountId] });
  const fromCarol = await carol.engine.createGroup({ name: 'Friends', members: [bob.accountId] });
  await waitForGroup(bob, fromAlice.groupId, 'invited by Alice', (g) => g.membership === 'invited');
  await waitForGroup(bob, fromCarol.groupId, 'invited by Carol', (g) => g.membership === 'invited');

  const requests = await bob.engine.queries.requests();
  expect(requests.map((c) => c.id)).toEqual([fromAlice.conversationId]);
  expect(requests[0]?.group).toEqual({ membership: 'invited', memberCount: 2, request: true, avatarUrl: null });
  const chats = await bob.engine.queries.conversations();
  expect(chats.map((c) => c.id)).toContain(fromCarol.conversationId);
  expect(chats.map((c) => c.id)).not.toContain(fromAlice.conversationId);
  expect(chats.find((c) => c.id === fromCarol.conversationId)?.group).toEqual({
    membership: 'invited',
    memberCount: 2,
    request: false,
    avatarUrl: null,
  });
  expect((await bob.engine.queries.conversation(fromAlice.conversationId))?.group?.request).toBe(true);
  expect((await bob.engine.queries.conversation(`direct:${carol.accountId}`))?.group).toBeNull();

  await bob.engine.acceptGroupInvite(fromAlice.groupId);
  const moved = await waitFor('Bob: the accepted invitation is a chat', async () => {
    const now = await bob.engine.queries.conversations();
    return now.find((c) => c.id === fromAlice.conversationId) ?? null;
  });
  expect(moved.group).toEqual({ membership: 'joined', memberCount: 2, request: false, avatarUrl: null });
  expect(await bob.engine.queries.requests()).toEqual([]);
}, 120_000);
