/**
 * Group control through a real relay (docs/protocol.md §10): Alice creates a
 * group of two contacts, who see the invitation and accept; Bob and Carol
 * are no contacts of each other and reach one another through what the
 * group knows (relay and access key); Alice and Bob rename at once and every
 * member converges on the same name; Alice removes Carol, whose own client
 * shows her removed. Timeline lines are written once per applied change.
 */
import { expect, it } from 'vitest';
import type { GroupView } from '../../src/renderer/engine/groups/group-queries.js';
import { hikers, waitForGroup } from '../support/group-helpers.js';
import { useRelayWorld } from '../support/relay-world.js';
import type { TestClient } from '../support/test-client.js';
import { waitFor } from '../support/wait.js';

const world = useRelayWorld('group-control');

function statusOf(group: GroupView, who: TestClient) {
  return group.members.find((member) => member.accountId === who.accountId)?.status ?? 'none';
}

async function timeline(who: TestClient, conversationId: string): Promise<string[]> {
  return (await who.allMessages(conversationId)).filter((m) => m.kind === 'group-event').map((m) => m.body ?? '');
}

it('creates a group, members accept and reach each other, concurrent renames converge, a removal reaches the removed', async () => {
  const { alice, bob, carol, groupId, conversationId } = await hikers(world);
  expect(conversationId).toBe(`group:${groupId}`);
  const created = await alice.engine.queries.group(groupId);
  expect(created?.membership).toBe('joined');
  expect(created?.members.find((m) => m.accountId === alice.accountId)?.role).toBe('admin');

  for (const invitee of [bob, carol]) {
    const seen = await waitForGroup(invitee, groupId, 'invited', (g) => g.membership === 'invited');
    expect(seen.name).toBe('Hikers');
    expect(seen.invitedBy).toBe(alice.accountId);
    expect(seen.request).toBe(false);
    expect(await invitee.engine.queries.conversation(conversationId)).not.toBeNull();
  }

  await bob.engine.acceptGroupInvite(groupId);
  await carol.engine.acceptGroupInvite(groupId);
  // Bob and Carol are no contacts: each accept reaches the other through the group's member list.
  for (const member of [alice, bob, carol]) {
    await waitForGroup(
      member,
      groupId,
      'both joined',
      (g) => statusOf(g, bob) === 'joined' && statusOf(g, carol) === 'joined',
    );
  }
  expect(await carol.engine.database.contacts.get(bob.accountId)).toBeUndefined();

  // Two members rename at once: the change sorting last by (clock, author, id) wins everywhere.
  await Promise.all([alice.engine.renameGroup(groupId, 'Walkers'), bob.engine.renameGroup(groupId, 'Ramblers')]);
  // create, two accepts, two renames
  const names = await Promise.all(
    [alice, bob, carol].map((member) =>
      waitFor(`${member.name}: both renames folded`, async () => {
        const rows = await member.engine.database.groupChanges.where('groupId').equals(groupId).count();
        return rows === 5 ? ((await member.engine.queries.group(groupId))?.name ?? null) : null;
      }),
    ),
  );
  expect(new Set(names).size).toBe(1);
  expect(['Walkers', 'Ramblers']).toContain(names[0]);

  await alice.engine.removeFromGroup(groupId, [carol.accountId]);
  const removed = await waitForGroup(carol, groupId, 'removed', (g) => g.membership === 'former');
  expect(removed.members.map((m) => m.accountId)).not.toContain(carol.accountId);
  await waitForGroup(bob, groupId, 'carol gone', (g) => statusOf(g, carol) === 'none');
  // Her old messages keep her name: the view names former members too.
  const atAlice = await waitForGroup(alice, groupId, 'carol former', (g) => statusOf(g, carol) === 'none');
  expect(atAlice.formerMembers).toContainEqual({ accountId: carol.accountId, name: 'Carol' });

  const lines = await timeline(bob, conversationId);
  expect(lines[0]).toBe('Alice created the group "Hikers"');
  expect(lines).toContain('You joined');
  expect(lines.filter((line) => line.includes('removed'))).toHaveLength(1);
  await expect(carol.engine.renameGroup(groupId, 'Mine')).rejects.toMatchObject({ code: 'GROUP_CHANGE_NOT_ALLOWED' });
}, 120_000);
