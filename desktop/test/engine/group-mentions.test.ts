/**
 * Mentions in a group through a real relay (docs/protocol.md §6, text
 * version 2 `mentions`): Alice mentions Bob in a group of three; Bob's copy
 * holds the range and says it mentions him (its `message` event too, which
 * the notification rules let through a mute); Carol's holds the range but
 * does not mention her. Malformed mentions, and mentions in a direct
 * conversation, are refused before anything is stored.
 */
import { expect, it } from 'vitest';
import { EngineError, EngineErrorCode } from '../../src/renderer/engine/errors.js';
import { joinedHikers, waitForBodies } from '../support/group-helpers.js';
import { useRelayWorld } from '../support/relay-world.js';

const world = useRelayWorld('group-mentions');

it('a mention reaches every member with its range, and only the mentioned one is flagged', async () => {
  const { alice, bob, carol, conversationId } = await joinedHikers(world);
  const body = 'lunch @Bob?';
  const mentions = [{ start: 6, length: 4, accountId: bob.accountId }];
  const bobEvents: boolean[] = [];
  const stop = bob.engine.on('message', (event) => {
    if (event.conversationId === conversationId) bobEvents.push(event.mentionsMe);
  });
  await bob.engine.mute(conversationId, 'always');

  const sent = await alice.engine.sendText(conversationId, body, undefined, mentions);
  expect((await alice.engine.queries.message(sent.id))?.mentions).toEqual(mentions);
  expect((await alice.engine.queries.message(sent.id))?.mentionsMe).toBe(false);

  const [atBob] = await waitForBodies(bob, conversationId, [body]);
  const [atCarol] = await waitForBodies(carol, conversationId, [body]);
  const bobView = await bob.engine.queries.message(atBob?.id ?? '');
  const carolView = await carol.engine.queries.message(atCarol?.id ?? '');
  expect(bobView?.mentions).toEqual(mentions);
  expect(bobView?.mentionsMe).toBe(true);
  expect(carolView?.mentions).toEqual(mentions);
  expect(carolView?.mentionsMe).toBe(false);
  expect(bobEvents).toEqual([true]);
  stop();

  // A plain text mentions nobody.
  const [plain] = await waitForBodies(bob, conversationId, [
    (await alice.engine.sendText(conversationId, 'no mention')).body ?? '',
  ]);
  expect(await bob.engine.queries.message(plain?.id ?? '')).toMatchObject({ mentions: [], mentionsMe: false });
});

it('refuses mentions outside the body, overlapping, or in a direct conversation', async () => {
  const { alice, bob, conversationId } = await joinedHikers(world);
  const refused = async (run: () => Promise<unknown>) => {
    const error = await run().then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(EngineError.is(error, EngineErrorCode.InvalidMessage), String(error)).toBe(true);
  };
  const bobAt = (start: number, length: number) => ({ start, length, accountId: bob.accountId });
  await refused(() => alice.engine.sendText(conversationId, '@Bob', undefined, [bobAt(1, 4)]));
  await refused(() => alice.engine.sendText(conversationId, '@Bob @Bob', undefined, [bobAt(0, 4), bobAt(2, 4)]));
  const direct = (await alice.engine.queries.conversations()).find((c) => c.kind === 'direct');
  expect(direct).toBeDefined();
  await refused(() => alice.engine.sendText(direct?.id ?? '', '@Bob', undefined, [bobAt(0, 4)]));
  expect((await alice.allMessages(conversationId)).filter((m) => m.kind === 'text')).toHaveLength(0);
});
