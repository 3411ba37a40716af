/**
 * Replies in a group (docs/protocol.md §6, Conversation features): the quote
 * travels inside the group text (text version 2, sealed once for every
 * member) and shows on every member's side; reactions, edits and deletes are
 * not sent in groups yet and the engine says so instead of sending nothing.
 */
import { expect, it } from 'vitest';
import { EngineError } from '../../src/renderer/engine/errors.js';
import type { GroupView } from '../../src/renderer/engine/groups/group-queries.js';
import { hikers, waitForGroup } from '../support/group-helpers.js';
import { useRelayWorld } from '../support/relay-world.js';
import type { TestClient } from '../support/test-client.js';
import { waitFor } from '../support/wait.js';

const world = useRelayWorld('group-replies');

function joined(group: GroupView, who: readonly TestClient[]): boolean {
  return who.every((member) => group.members.some((m) => m.accountId === member.accountId && m.status === 'joined'));
}

it('a reply in a group carries its quote to every member; group reactions are refused, not dropped', async () => {
  const { alice, bob, carol, groupId, conversationId } = await hikers(world);
  for (const invitee of [bob, carol])
    await waitForGroup(invitee, groupId, 'invited', (g) => g.membership === 'invited');
  await bob.engine.acceptGroupInvite(groupId);
  await carol.engine.acceptGroupInvite(groupId);
  for (const member of [alice, bob, carol]) {
    await waitForGroup(member, groupId, 'all joined', (g) => joined(g, [alice, bob, carol]));
  }

  const question = await alice.engine.sendText(conversationId, 'Which trail on Sunday?');
  await waitFor('bob has the question', async () => (await bob.engine.queries.message(question.id)) ?? null);
  const reply = await bob.engine.sendText(conversationId, 'The ridge one', question.id);
  for (const member of [alice, carol]) {
    const received = await waitFor(`${member.name} has the reply`, async () => member.engine.queries.message(reply.id));
    expect(received.quote).toEqual({ id: question.id, author: alice.accountId, text: 'Which trail on Sunday?' });
    expect(received.body).toBe('The ridge one');
  }
  await expect(carol.engine.react(reply.id, '👍')).rejects.toSatisfy((error) =>
    EngineError.is(error, 'INVALID_MESSAGE'),
  );
});
