/**
 * Group messages through a real relay (docs/protocol.md §4.9, §10 Sender
 * keys): Alice, Bob and Carol (Bob and Carol no contacts of each other) each
 * write to the group and the others read it, with per-member delivery and
 * read state on the sender's side; Dave, invited later, gets only what is
 * sent after he joined; Carol, removed, gets nothing of what follows (checked
 * on her own client), and the remaining members' sender keys were rotated.
 */
import { expect, it } from 'vitest';
import { waitForStates } from '../support/conversation-helpers.js';
import {
  befriend,
  groupClient,
  groupTexts,
  joined,
  joinedHikers,
  waitForBodies,
  waitForGroup,
} from '../support/group-helpers.js';
import { useRelayWorld } from '../support/relay-world.js';
import { waitFor } from '../support/wait.js';

const world = useRelayWorld('group-messages');

const client = (name: string) => groupClient(world, name);

const texts = groupTexts;

it('members write and read, receipts per member, a later member reads only what follows, a removed one nothing', async () => {
  const { alice, bob, carol, groupId, conversationId } = await joinedHikers(world);

  // Each writes; the other two read it, from its sender.
  const fromAlice = await alice.engine.sendText(conversationId, 'from alice');
  const fromBob = await bob.engine.sendText(conversationId, 'from bob');
  const fromCarol = await carol.engine.sendText(conversationId, 'from carol');
  const written = [
    { by: alice, body: 'from alice' },
    { by: bob, body: 'from bob' },
    { by: carol, body: 'from carol' },
  ];
  for (const reader of [alice, bob, carol]) {
    const got = await waitForBodies(reader, conversationId, ['from alice', 'from bob', 'from carol']);
    for (const [index, message] of got.entries()) {
      expect(message?.senderAccountId).toBe(written[index]?.by.accountId);
      expect(message?.direction).toBe(reader === written[index]?.by ? 'outgoing' : 'incoming');
    }
  }
  // Nobody became a message request: group members write in the group.
  expect(await carol.engine.database.contacts.get(bob.accountId)).toBeUndefined();
  expect(await carol.engine.queries.requests()).toHaveLength(0);

  // Delivered to both, then read by one of two, then by both.
  await waitForStates(alice, [fromAlice.id], ['delivered']);
  expect(await alice.engine.queries.groupReceipts(fromAlice.id)).toMatchObject({ total: 2, delivered: 2, read: 0 });
  await bob.engine.markRead(conversationId);
  await waitFor('alice: read by 1 of 2', async () =>
    (await alice.engine.queries.groupReceipts(fromAlice.id)).read === 1 ? true : null,
  );
  expect((await alice.engine.database.messages.get(fromAlice.id))?.state).toBe('delivered');
  await carol.engine.markRead(conversationId);
  await waitForStates(alice, [fromAlice.id], ['read']);
  // Carol read Bob's text too, though they are no contacts: the group reaches him.
  await waitForStates(bob, [fromBob.id], ['read', 'delivered']);
  await waitForStates(carol, [fromCarol.id], ['delivered', 'read']);

  // Dave joins later: he gets what is sent from then on, nothing before.
  const dave = await client('dave');
  await befriend(alice, 'Alice', dave, 'Dave');
  await alice.engine.inviteToGroup(groupId, [dave.accountId]);
  await waitForGroup(dave, groupId, 'invited', (g) => g.membership === 'invited');
  await dave.engine.acceptGroupInvite(groupId);
  for (const member of [alice, bob, carol, dave]) {
    await waitForGroup(member, groupId, 'dave joined', (g) => joined(g, [alice, bob, carol, dave]));
  }
  await bob.engine.sendText(conversationId, 'welcome dave');
  await dave.engine.sendText(conversationId, 'hi all');
  await waitForBodies(dave, conversationId, ['welcome dave', 'hi all']);
  for (const member of [alice, bob, carol]) await waitForBodies(member, conversationId, ['welcome dave', 'hi all']);
  expect((await texts(dave, conversationId)).map((m) => m.body)).toEqual(['welcome dave', 'hi all']);

  // Carol is removed: what follows reaches the others under new sender keys, and nothing of it reaches her.
  const aliceKeyBefore = (await alice.engine.database.groups.get(groupId))?.distributionId;
  const bobKeyBefore = (await bob.engine.database.groups.get(groupId))?.distributionId;
  await alice.engine.removeFromGroup(groupId, [carol.accountId]);
  await waitForGroup(carol, groupId, 'removed', (g) => g.membership === 'former');
  for (const member of [alice, bob, dave]) {
    await waitForGroup(member, groupId, 'carol gone', (g) => !g.members.some((m) => m.accountId === carol.accountId));
  }
  const carolHeld = (await texts(carol, conversationId)).length;
  await alice.engine.sendText(conversationId, 'after carol (alice)');
  await bob.engine.sendText(conversationId, 'after carol (bob)');
  for (const member of [alice, bob, dave]) {
    await waitForBodies(member, conversationId, ['after carol (alice)', 'after carol (bob)']);
  }
  const aliceKeyAfter = (await alice.engine.database.groups.get(groupId))?.distributionId;
  const bobKeyAfter = (await bob.engine.database.groups.get(groupId))?.distributionId;
  expect(aliceKeyAfter).toBeTruthy();
  expect(aliceKeyAfter).not.toBe(aliceKeyBefore);
  expect(bobKeyAfter).not.toBe(bobKeyBefore);
  expect((await alice.engine.database.groups.get(groupId))?.distributedTo.sort()).toEqual(
    [bob.accountId, dave.accountId].sort(),
  );
  // Carol's own client: everything that came is committed, and no new text is among it.
  await carol.engine.whenIdle();
  const carolTexts = await texts(carol, conversationId);
  expect(carolTexts).toHaveLength(carolHeld);
  expect(carolTexts.map((m) => m.body)).not.toContain('after carol (alice)');
  expect(carolTexts.map((m) => m.body)).not.toContain('after carol (bob)');
  await expect(carol.engine.sendText(conversationId, 'still here?')).rejects.toMatchObject({
    code: 'GROUP_CHANGE_NOT_ALLOWED',
  });
}, 180_000);
