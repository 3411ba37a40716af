/** Steps the group engine tests share: a client whose access keys are registered, waiting for a group's state. */

import { expect } from 'vitest';
import type { GroupView } from '../../src/renderer/engine/groups/group-queries.js';
import { assertUnique, introduce } from './conversation-helpers.js';
import type { RelayWorld } from './relay-world.js';
import { TestClient } from './test-client.js';
import { waitFor } from './wait.js';

/** A client on the world's relay, once the relay took its access keys (a group reaches members by them). */
export async function groupClient(world: RelayWorld, name: string): Promise<TestClient> {
  const made = await TestClient.create(name, world.relay.url);
  world.clients.push(made);
  await waitFor(`${name} registered the access keys`, async () =>
    (await made.engine.database.getSetting('accessKeysRegistered')) !== undefined ? true : null,
  );
  return made;
}

/** Waits until `who`'s view of the group passes `test`; answers it. */
export function waitForGroup(who: TestClient, groupId: string, what: string, test: (group: GroupView) => boolean) {
  return waitFor(
    `${who.name}: ${what}`,
    async () => {
      const group = await who.engine.queries.group(groupId);
      return group !== null && test(group) ? group : null;
    },
    30_000,
    50,
  );
}

/** `a` and `b` add each other's contact codes (`a` calls `b` `bName`, `b` calls `a` `aName`). */
export async function befriend(a: TestClient, aName: string, b: TestClient, bName: string): Promise<void> {
  await introduce(a, b, bName);
  await introduce(b, a, aName);
}

/** Alice, Bob and Carol (Bob and Carol no contacts of each other); Alice creates "Hikers" with the two invited. */
export async function hikers(world: RelayWorld) {
  const alice = await groupClient(world, 'alice');
  const bob = await groupClient(world, 'bob');
  const carol = await groupClient(world, 'carol');
  await befriend(alice, 'Alice', bob, 'Bob');
  await befriend(alice, 'Alice', carol, 'Carol');
  const { groupId, conversationId } = await alice.engine.createGroup({
    name: 'Hikers',
    members: [bob.accountId, carol.accountId],
  });
  return { alice, bob, carol, groupId, conversationId };
}

/** Whether every one of `who` is a joined member in this view of the group. */
export function joined(group: GroupView, who: readonly TestClient[]): boolean {
  return who.every((member) => group.members.some((m) => m.accountId === member.accountId && m.status === 'joined'));
}

/** Alice's group of three (hikers), with Bob and Carol having accepted and all three seeing everyone joined. */
export async function joinedHikers(world: RelayWorld) {
  const made = await hikers(world);
  const { alice, bob, carol, groupId } = made;
  for (const invitee of [bob, carol])
    await waitForGroup(invitee, groupId, 'invited', (g) => g.membership === 'invited');
  await bob.engine.acceptGroupInvite(groupId);
  await carol.engine.acceptGroupInvite(groupId);
  for (const member of [alice, bob, carol]) {
    await waitForGroup(member, groupId, 'all joined', (g) => joined(g, [alice, bob, carol]));
  }
  return made;
}

/** The texts of a conversation on `who`'s client, oldest first. */
export async function groupTexts(who: TestClient, conversationId: string) {
  return (await who.allMessages(conversationId)).filter((m) => m.kind === 'text');
}

/** Waits until `who` holds the texts with these bodies in the conversation; answers them by body. */
export function waitForBodies(who: TestClient, conversationId: string, wanted: readonly string[]) {
  return waitFor(
    `${who.name}: ${wanted.join(', ')}`,
    async () => {
      const held = await groupTexts(who, conversationId);
      const found = wanted.map((body) => held.find((m) => m.body === body));
      return found.every((m) => m !== undefined) ? found : null;
    },
    30_000,
    50,
  );
}

/** Once every client is idle: each holds exactly these texts in the conversation, once each, in this order. */
export async function expectSameTexts(
  members: readonly TestClient[],
  conversationId: string,
  bodies: readonly string[],
) {
  for (const member of members) {
    await member.engine.whenIdle();
    const held = await groupTexts(member, conversationId);
    assertUnique(held);
    expect(held.map((m) => m.body)).toEqual(bodies);
  }
}
