/**
 * The group photo through a real relay (docs/protocol.md §10, set-avatar):
 * an invited member may not set it yet; Alice sets it and Bob sees it in the
 * group view, the conversation list and the timeline; a plain member
 * (Carol) may change it too; Alice removes it. A picture members would
 * refuse (too large, not PNG/JPEG/WebP, not base64) is refused with
 * INVALID_GROUP_AVATAR before anything is signed or queued. The pure check
 * (checkGroupAvatar) is tested on its own below.
 */
import { toBase64 } from '@parley/crypto-core/encoding';
import { MAX_GROUP_AVATAR_BYTES } from '@parley/crypto-core/group';
import { describe, expect, it } from 'vitest';
import { checkGroupAvatar } from '../../src/renderer/engine/groups/group-avatar.js';
import { hikers, joined, waitForGroup } from '../support/group-helpers.js';
import { useRelayWorld } from '../support/relay-world.js';
import type { TestClient } from '../support/test-client.js';
import { waitFor } from '../support/wait.js';

const world = useRelayWorld('group-avatar');

/** A 1×1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const WEBP = toBase64(new Uint8Array([0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4]));

async function timeline(who: TestClient, conversationId: string): Promise<string[]> {
  return (await who.allMessages(conversationId)).filter((m) => m.kind === 'group-event').map((m) => m.body ?? '');
}

async function listedAvatar(who: TestClient, conversationId: string): Promise<string | null | undefined> {
  const row = (await who.engine.queries.conversations()).find((c) => c.id === conversationId);
  return row?.group?.avatarUrl;
}

it('sets, changes and removes the group photo; every member sees it in the group and the conversation list', async () => {
  const { alice, bob, carol, groupId, conversationId } = await hikers(world);
  await waitForGroup(bob, groupId, 'invited', (g) => g.membership === 'invited');
  // Only joined members change the group: an invitation is not enough.
  await expect(bob.engine.setGroupAvatar(groupId, { contentType: 'image/png', data: PNG })).rejects.toMatchObject({
    code: 'GROUP_CHANGE_NOT_ALLOWED',
  });
  await waitForGroup(carol, groupId, 'invited', (g) => g.membership === 'invited');
  await bob.engine.acceptGroupInvite(groupId);
  await carol.engine.acceptGroupInvite(groupId);
  for (const member of [alice, bob, carol]) {
    await waitForGroup(member, groupId, 'all joined', (g) => joined(g, [alice, bob, carol]));
  }
  expect((await bob.engine.queries.group(groupId))?.avatarUrl).toBeNull();
  expect(await listedAvatar(bob, conversationId)).toBeNull();

  await alice.engine.setGroupAvatar(groupId, { contentType: 'image/png', data: PNG });
  const pngUrl = `data:image/png;base64,${PNG}`;
  expect((await alice.engine.queries.group(groupId))?.avatarUrl).toBe(pngUrl);
  await waitForGroup(bob, groupId, 'the photo', (g) => g.avatarUrl === pngUrl);
  expect(await listedAvatar(bob, conversationId)).toBe(pngUrl);
  expect((await bob.engine.queries.conversation(conversationId))?.group?.avatarUrl).toBe(pngUrl);
  expect(await timeline(bob, conversationId)).toContain('Alice changed the group photo');
  expect(await timeline(alice, conversationId)).toContain('You changed the group photo');

  // Any joined member may change it, not only admins (the protocol's rule for rename, describe and set-avatar).
  await carol.engine.setGroupAvatar(groupId, { contentType: 'image/webp', data: WEBP });
  const webpUrl = `data:image/webp;base64,${WEBP}`;
  await waitForGroup(alice, groupId, "Carol's photo", (g) => g.avatarUrl === webpUrl);

  await alice.engine.setGroupAvatar(groupId, null);
  await waitForGroup(bob, groupId, 'no photo', (g) => g.avatarUrl === null);
  await waitForGroup(carol, groupId, 'no photo', (g) => g.avatarUrl === null);
  expect(await listedAvatar(bob, conversationId)).toBeNull();
  const lines = await waitFor('bob: removal line', async () => {
    const all = await timeline(bob, conversationId);
    return all.includes('Alice removed the group photo') ? all : null;
  });
  expect(lines.filter((line) => line.includes('group photo'))).toHaveLength(3);

  // Refused before signing: no change stored (a change is merged and queued in one transaction, so nothing queued).
  const changes = await alice.engine.database.groupChanges.where('groupId').equals(groupId).count();
  const tooLarge = toBase64(new Uint8Array(MAX_GROUP_AVATAR_BYTES + 1));
  await expect(
    alice.engine.setGroupAvatar(groupId, { contentType: 'image/png', data: tooLarge }),
  ).rejects.toMatchObject({ code: 'INVALID_GROUP_AVATAR' });
  expect(await alice.engine.database.groupChanges.where('groupId').equals(groupId).count()).toBe(changes);
  expect((await alice.engine.queries.group(groupId))?.avatarUrl).toBeNull();
});

describe('checkGroupAvatar', () => {
  it('passes a PNG, JPEG or WebP of 1 to MAX_GROUP_AVATAR_BYTES bytes, and null', () => {
    const largest = toBase64(new Uint8Array(MAX_GROUP_AVATAR_BYTES));
    expect(checkGroupAvatar({ contentType: 'image/jpeg', data: largest })).toEqual({
      contentType: 'image/jpeg',
      data: largest,
    });
    expect(checkGroupAvatar({ contentType: 'image/png', data: PNG })?.contentType).toBe('image/png');
    expect(checkGroupAvatar(null)).toBeNull();
  });

  it('refuses other types, empty, too large and non-base64 pictures', () => {
    const refused = [
      { contentType: 'image/gif', data: PNG },
      { contentType: 'image/png', data: '' },
      { contentType: 'image/png', data: toBase64(new Uint8Array(MAX_GROUP_AVATAR_BYTES + 1)) },
      { contentType: 'image/png', data: 'not base64!' },
    ];
    for (const avatar of refused) {
      expect(() => checkGroupAvatar(avatar), avatar.contentType).toThrow(
        expect.objectContaining({ code: 'INVALID_GROUP_AVATAR' }),
      );
    }
  });
});
