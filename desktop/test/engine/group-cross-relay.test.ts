/**
 * A group whose members live on two relays (docs/protocol.md §4.9, §10):
 * Alice and Carol on relay A, Bob and Dave on relay B, with Erin on A joining
 * later. Group control and sender keys go 1:1 with access keys, texts as one
 * multi-recipient upload per relay. Create and message; Dave (B) added later
 * reads only what follows; Carol (A) removed reads nothing after, checked on
 * her own client; Dave offline during a rename, an addition and a removal
 * catches up to the state the others hold.
 */
import { expect, it } from 'vitest';
import type { GroupView } from '../../src/renderer/engine/groups/group-queries.js';
import { befriend, groupTexts, joined, waitForBodies, waitForGroup } from '../support/group-helpers.js';
import { registeredClient, useRelayPair } from '../support/relay-pair.js';
import type { TestClient } from '../support/test-client.js';

const relays = useRelayPair('group-cross-relay');

/** What every member's view agrees on (membership and who invited us are each member's own). */
function shared(view: GroupView | null) {
  if (view === null) return null;
  const members = [...view.members]
    .map((m) => ({ accountId: m.accountId, role: m.role, status: m.status }))
    .sort((a, b) => a.accountId.localeCompare(b.accountId));
  return { name: view.name, description: view.description, members };
}

async function bodies(who: TestClient, conversationId: string) {
  await who.engine.whenIdle();
  return (await groupTexts(who, conversationId)).map((m) => m.body);
}

it('members on two relays: create, message, add (no earlier messages), remove (no later ones), an offline member catches up', async () => {
  const alice = await registeredClient(relays, 'alice', relays.a.url);
  const bob = await registeredClient(relays, 'bob', relays.b.url);
  const carol = await registeredClient(relays, 'carol', relays.a.url);
  const dave = await registeredClient(relays, 'dave', relays.b.url);
  const erin = await registeredClient(relays, 'erin', relays.a.url);
  for (const [friend, name] of [
    [bob, 'Bob'],
    [carol, 'Carol'],
    [dave, 'Dave'],
    [erin, 'Erin'],
  ] as const) {
    await befriend(alice, 'Alice', friend, name);
  }

  const { groupId, conversationId } = await alice.engine.createGroup({
    name: 'Across',
    members: [bob.accountId, carol.accountId],
  });
  for (const invitee of [bob, carol]) {
    await waitForGroup(invitee, groupId, 'invited', (g) => g.membership === 'invited');
    await invitee.engine.acceptGroupInvite(groupId);
  }
  for (const member of [alice, bob, carol]) {
    await waitForGroup(member, groupId, 'all joined', (g) => joined(g, [alice, bob, carol]));
  }
  await alice.engine.sendText(conversationId, 'one (alice, A)');
  await bob.engine.sendText(conversationId, 'two (bob, B)');
  await carol.engine.sendText(conversationId, 'three (carol, A)');
  const first = ['one (alice, A)', 'two (bob, B)', 'three (carol, A)'];
  for (const member of [alice, bob, carol]) await waitForBodies(member, conversationId, first);

  // Dave (relay B) added: he reads what follows, nothing before.
  await alice.engine.inviteToGroup(groupId, [dave.accountId]);
  await waitForGroup(dave, groupId, 'invited', (g) => g.membership === 'invited');
  await dave.engine.acceptGroupInvite(groupId);
  for (const member of [alice, bob, carol, dave]) {
    await waitForGroup(member, groupId, 'dave joined', (g) => joined(g, [alice, bob, carol, dave]));
  }
  await bob.engine.sendText(conversationId, 'hello dave (bob, B)');
  await carol.engine.sendText(conversationId, 'hello dave (carol, A)');
  const welcome = ['hello dave (bob, B)', 'hello dave (carol, A)'];
  for (const member of [alice, bob, carol, dave]) await waitForBodies(member, conversationId, welcome);
  expect(await bodies(dave, conversationId)).toEqual(welcome);

  // Carol (relay A) removed: what follows reaches the others, nothing of it her own client.
  await alice.engine.removeFromGroup(groupId, [carol.accountId]);
  await waitForGroup(carol, groupId, 'removed', (g) => g.membership === 'former');
  for (const member of [alice, bob, dave]) {
    await waitForGroup(member, groupId, 'carol gone', (g) => !g.members.some((m) => m.accountId === carol.accountId));
  }
  await alice.engine.sendText(conversationId, 'without carol (alice, A)');
  await dave.engine.sendText(conversationId, 'without carol (dave, B)');
  const after = ['without carol (alice, A)', 'without carol (dave, B)'];
  for (const member of [alice, bob, dave]) await waitForBodies(member, conversationId, after);
  expect(await bodies(carol, conversationId)).toEqual([...first, ...welcome]);

  // Dave offline while Alice renames, adds Erin (who accepts) and removes Bob; back, he holds what the others hold.
  await dave.engine.stop();
  await alice.engine.renameGroup(groupId, 'Across, renamed');
  await alice.engine.inviteToGroup(groupId, [erin.accountId]);
  await waitForGroup(erin, groupId, 'invited', (g) => g.membership === 'invited');
  await erin.engine.acceptGroupInvite(groupId);
  await waitForGroup(alice, groupId, 'erin joined', (g) => joined(g, [alice, erin]));
  await alice.engine.removeFromGroup(groupId, [bob.accountId]);
  await waitForGroup(bob, groupId, 'removed', (g) => g.membership === 'former');
  const settled = shared(
    await waitForGroup(alice, groupId, 'bob gone', (g) => !g.members.some((m) => m.accountId === bob.accountId)),
  );
  dave.engine = dave.newEngine();
  await dave.engine.start();
  for (const member of [dave, erin]) {
    await waitForGroup(member, groupId, 'caught up', (g) => JSON.stringify(shared(g)) === JSON.stringify(settled));
  }
  expect(settled?.name).toBe('Across, renamed');
  // And the group works for the three left.
  await erin.engine.sendText(conversationId, 'hi from erin (A)');
  await dave.engine.sendText(conversationId, 'welcome erin (dave, B)');
  for (const member of [alice, dave, erin]) {
    await waitForBodies(member, conversationId, ['hi from erin (A)', 'welcome erin (dave, B)']);
  }
  expect(await bodies(bob, conversationId)).not.toContain('hi from erin (A)');
}, 240_000);
