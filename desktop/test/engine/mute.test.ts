/**
 * Muting (mute.ts): when each duration ends, when a mute counts, and through
 * the engine on a real profile: kept across a restart, left out of the
 * unread total until it ends or is lifted, for a direct and a group conversation.
 */
import { describe, expect, it } from 'vitest';
import { isMuted, MUTED_ALWAYS, muteUntil } from '../../src/renderer/engine/mute.js';
import { directId, waitForTexts } from '../support/conversation-helpers.js';
import { joinedHikers, waitForBodies } from '../support/group-helpers.js';
import { useRelayWorld } from '../support/relay-world.js';
import { waitFor } from '../support/wait.js';

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

describe('mute expiry', () => {
  it('ends 1 hour, 8 hours or a week after it was made, or never', () => {
    expect(muteUntil('1h', NOW)).toBe(NOW + HOUR);
    expect(muteUntil('8h', NOW)).toBe(NOW + 8 * HOUR);
    expect(muteUntil('1w', NOW)).toBe(NOW + 7 * 24 * HOUR);
    expect(muteUntil('always', NOW)).toBe(MUTED_ALWAYS);
    expect(() => muteUntil('2h' as never, NOW)).toThrow(/mute duration/);
  });

  it('counts until its end, not at it; no mute is no mute', () => {
    const until = muteUntil('1h', NOW);
    expect(isMuted(until, NOW)).toBe(true);
    expect(isMuted(until, until - 1)).toBe(true);
    expect(isMuted(until, until)).toBe(false);
    expect(isMuted(until, until + 1)).toBe(false);
    expect(isMuted(null, NOW)).toBe(false);
    expect(isMuted(undefined, NOW)).toBe(false);
    expect(isMuted(MUTED_ALWAYS, NOW + 100 * 365 * 24 * HOUR)).toBe(true);
  });
});

describe('muting through the engine', () => {
  const world = useRelayWorld('mute');

  it('a muted direct or group conversation leaves the unread total, survives a restart, and unmutes', async () => {
    const { alice, bob, conversationId: groupConversation } = await joinedHikers(world);
    const direct = directId(alice);
    await alice.engine.sendText(directId(bob), 'direct hello');
    await alice.engine.sendText(groupConversation, 'group hello');
    await waitForTexts(bob, direct, 1);
    await waitForBodies(bob, groupConversation, ['group hello']);
    const unread = () => bob.engine.queries.unreadTotal();
    await waitFor('both unread', async () => ((await unread()) === 2 ? true : null));

    const until = await bob.engine.mute(direct, '8h');
    expect(until).toBeGreaterThan(Date.now() + 7 * HOUR);
    await bob.engine.mute(groupConversation, 'always');
    expect(await unread()).toBe(0);
    expect((await bob.engine.queries.conversation(direct))?.mutedUntil).toBe(until);
    // Still counted per conversation: the list shows the unread count beside the muted mark.
    expect((await bob.engine.queries.conversation(groupConversation))?.unreadCount).toBe(1);

    await bob.restart();
    expect((await bob.engine.queries.conversation(groupConversation))?.mutedUntil).toBe(MUTED_ALWAYS);
    expect(await unread()).toBe(0);
    await bob.engine.unmute(direct);
    expect((await bob.engine.queries.conversation(direct))?.mutedUntil).toBeNull();
    expect(await unread()).toBe(1);
    await expect(bob.engine.mute('direct:nobody', '1h')).rejects.toMatchObject({ code: 'UNKNOWN_CONVERSATION' });
  }, 120_000);
});
