/**
 * Typing in a group through a real relay (docs/protocol.md §6 `typing` with
 * `groupId`): each member's indicator reaches the other joined members (Bob
 * and Carol are no contacts of each other) and is shown per member in the
 * group's conversation; a message clears it; with typing indicators off
 * nothing is sent; a removed member sends none (its client is no member).
 */
import { expect, it } from 'vitest';
import { joinedHikers, waitForBodies, waitForGroup } from '../support/group-helpers.js';
import { useRelayWorld } from '../support/relay-world.js';
import type { TestClient } from '../support/test-client.js';
import { delay, waitFor } from '../support/wait.js';

const world = useRelayWorld('group-typing');

function typingIn(who: TestClient, conversationId: string): Promise<string[]> {
  return new Promise((resolve) => {
    const stop = who.engine.typing.subscribe((state) => resolve([...(state.get(conversationId) ?? [])].sort()));
    stop();
  });
}

function waitForTyping(who: TestClient, conversationId: string, expected: readonly string[]) {
  const wanted = [...expected].sort();
  return waitFor(
    `${who.name}: typing ${wanted.length}`,
    async () => {
      const now = await typingIn(who, conversationId);
      return JSON.stringify(now) === JSON.stringify(wanted) ? true : null;
    },
    15_000,
    25,
  );
}

it('typing reaches every other member and is shown per member; off sends nothing; a removed member sends none', async () => {
  const { alice, bob, carol, groupId, conversationId } = await joinedHikers(world);

  await bob.engine.setTyping(conversationId, true);
  await waitForTyping(alice, conversationId, [bob.accountId]);
  await waitForTyping(carol, conversationId, [bob.accountId]);
  await carol.engine.setTyping(conversationId, true);
  await waitForTyping(alice, conversationId, [bob.accountId, carol.accountId]);
  await waitForTyping(bob, conversationId, [carol.accountId]);
  // Nothing shows in the direct conversations.
  expect(await typingIn(alice, `direct:${bob.accountId}`)).toEqual([]);

  // Bob's message clears his indicator; Carol stops typing.
  await bob.engine.sendText(conversationId, 'on my way');
  await waitForBodies(alice, conversationId, ['on my way']);
  await waitForTyping(alice, conversationId, [carol.accountId]);
  await carol.engine.setTyping(conversationId, false);
  await waitForTyping(alice, conversationId, []);
  await waitForTyping(bob, conversationId, []);

  // Typing indicators off: Alice sends nothing.
  await alice.engine.privacy.update({ typingIndicators: false });
  await alice.engine.setTyping(conversationId, true);
  await delay(1000);
  expect(await typingIn(bob, conversationId)).toEqual([]);
  expect(await typingIn(carol, conversationId)).toEqual([]);
  await alice.engine.privacy.update({ typingIndicators: true });

  // Carol removed: her client sends no typing to the group any more; Bob's still shows.
  await alice.engine.removeFromGroup(groupId, [carol.accountId]);
  await waitForGroup(bob, groupId, 'carol gone', (g) => !g.members.some((m) => m.accountId === carol.accountId));
  await waitForGroup(carol, groupId, 'removed', (g) => g.membership === 'former');
  await carol.engine.setTyping(conversationId, true);
  await bob.engine.setTyping(conversationId, true);
  await waitForTyping(alice, conversationId, [bob.accountId]);
  await delay(500);
  expect(await typingIn(alice, conversationId)).toEqual([bob.accountId]);
}, 120_000);
