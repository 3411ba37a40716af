/**
 * Groups in a backup (docs/backup-format.md, records version 2): Bob's backup
 * carries the group, its signed changes, its timeline and its texts; a fresh
 * install restores it and shows the same group (folded again from the
 * changes). The restored install holds no sender keys and new sessions:
 * Alice's and Carol's next group messages fail there, sender-key repair
 * brings their keys and those messages, and from then on everyone reads
 * everyone, Bob's new chain included. Real relay, real vaults, the app's own
 * export and restore.
 */
import { expect, it } from 'vitest';
import { exportBackupFile, restoreBackupFile } from '../support/backup-copy.js';
import { expectSameTexts, joined, joinedHikers, waitForBodies, waitForGroup } from '../support/group-helpers.js';
import { useRelayWorld } from '../support/relay-world.js';

const world = useRelayWorld('group-backup');

it('a restored member sees its groups, their history and timeline, and reads and writes new group messages', async () => {
  const { alice, bob, carol, groupId, conversationId } = await joinedHikers(world);
  await alice.engine.renameGroup(groupId, 'Hikers 2027');
  await alice.engine.sendText(conversationId, 'hello hikers');
  await carol.engine.sendText(conversationId, 'carol here');
  await bob.engine.sendText(conversationId, 'bob here');
  const before = ['hello hikers', 'carol here', 'bob here'];
  await waitForBodies(bob, conversationId, before);
  await waitForGroup(bob, groupId, 'renamed', (g) => g.name === 'Hikers 2027');
  await bob.engine.whenIdle();
  const bobGroup = await bob.engine.queries.group(groupId);
  const bobTimeline = (await bob.allMessages(conversationId)).map((m) => [m.kind, m.body]);
  const bobChanges = await bob.engine.database.groupChanges.where('groupId').equals(groupId).count();

  const backup = await exportBackupFile(bob);
  await bob.dispose();
  const restored = await restoreBackupFile('bob-restored', backup);
  world.clients.push(restored);
  await restored.engine.start();

  // The same group, members and history, before anything new arrives.
  const group = await restored.engine.queries.group(groupId);
  expect(group).toEqual(bobGroup);
  expect(group?.membership).toBe('joined');
  expect(await restored.engine.database.groupChanges.where('groupId').equals(groupId).count()).toBe(bobChanges);
  expect((await restored.allMessages(conversationId)).map((m) => [m.kind, m.body])).toEqual(bobTimeline);
  expect(bobTimeline.some(([kind]) => kind === 'group-event')).toBe(true);
  const listed = await restored.engine.queries.conversations();
  expect(listed.find((c) => c.id === conversationId)?.name).toBe('Hikers 2027');
  // No chain of ours survived: the next text makes one.
  expect((await restored.engine.database.groups.get(groupId))?.distributionId).toBeNull();

  // New messages from the others reach the restored install (sender-key repair), then it writes.
  await alice.engine.sendText(conversationId, 'after the restore (alice)');
  await carol.engine.sendText(conversationId, 'after the restore (carol)');
  await waitForBodies(restored, conversationId, ['after the restore (alice)', 'after the restore (carol)']);
  await restored.engine.sendText(conversationId, 'bob is back');
  for (const member of [alice, carol]) await waitForBodies(member, conversationId, ['bob is back']);
  await alice.engine.sendText(conversationId, 'welcome back');
  await waitForBodies(restored, conversationId, ['welcome back']);
  await waitForGroup(restored, groupId, 'all joined', (g) => joined(g, [alice, restored, carol]));

  const expected = [...before, 'after the restore (alice)', 'after the restore (carol)', 'bob is back', 'welcome back'];
  await expectSameTexts([alice, restored, carol], conversationId, expected);
}, 180_000);
