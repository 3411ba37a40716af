/**
 * Sender-key repair through a real relay (docs/protocol.md §10, Sender-key
 * repair): Bob's vault loses Alice's sender key of the group, as a crash
 * that never wrote it would. Alice's next group message fails NO_SENDER_KEY
 * on Bob's client, which asks Alice for her key (sender-key-request); Alice
 * sends her current key again and re-sends that message one-to-one, and
 * Bob reads it and every later one. Carol notices nothing.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { expect, it } from 'vitest';
import { ASK_INTERVAL_MS, chooseAsks } from '../../src/renderer/engine/groups/sender-key-repair.js';
import { waitForStates } from '../support/conversation-helpers.js';
import { expectSameTexts, groupTexts, joinedHikers, waitForBodies } from '../support/group-helpers.js';
import { useRelayWorld } from '../support/relay-world.js';
import { loseVaultRecords } from '../support/vault-crash-loss.js';

const world = useRelayWorld('group-sender-key-repair');

const texts = groupTexts;

it('a member whose stored sender key was lost asks for it, gets the lost message again and reads what follows', async () => {
  const { alice, bob, carol, groupId, conversationId } = await joinedHikers(world);
  const first = await alice.engine.sendText(conversationId, 'before the crash');
  await waitForStates(alice, [first.id], ['delivered']);
  await waitForBodies(bob, conversationId, ['before the crash']);

  // Bob's vault loses Alice's chain (every distribution of hers it held).
  const lost = await loseVaultRecords(bob, 'sender-key', (parts) => parts[0] === alice.accountId);
  expect(lost).toBeGreaterThan(0);

  // Alice's next message cannot decrypt on Bob's client: he asks, she answers with her key and the message again.
  const unreadable = await alice.engine.sendText(conversationId, 'while bob lacks the key');
  await waitForBodies(carol, conversationId, ['while bob lacks the key']);
  await waitForBodies(bob, conversationId, ['while bob lacks the key']);
  const resent = (await texts(bob, conversationId)).find((m) => m.body === 'while bob lacks the key');
  expect(resent).toMatchObject({ id: unreadable.id, senderAccountId: alice.accountId, direction: 'incoming' });
  await waitForStates(alice, [unreadable.id], ['delivered']);
  expect(await alice.engine.queries.groupReceipts(unreadable.id)).toMatchObject({ total: 2, delivered: 2 });
  expect(bob.logger.lines.some((line) => line.message === 'sender key requested')).toBe(true);

  // From then on Bob reads Alice's group messages as before (the chain arrived again), and she his.
  const after = await alice.engine.sendText(conversationId, 'after the repair');
  await bob.engine.sendText(conversationId, 'bob is back');
  for (const member of [bob, carol]) await waitForBodies(member, conversationId, ['after the repair']);
  for (const member of [alice, carol]) await waitForBodies(member, conversationId, ['bob is back']);
  await waitForStates(alice, [after.id], ['delivered']);
  expect((await alice.engine.database.groups.get(groupId))?.distributedTo).toContain(bob.accountId);

  // Everything once, in the order written, on every client.
  const order = ['before the crash', 'while bob lacks the key', 'after the repair', 'bob is back'];
  await expectSameTexts([alice, bob, carol], conversationId, order);
}, 120_000);

it('asks for a chain once per interval, each chain once per batch', () => {
  const want = { accountId: 'a'.repeat(32) as AccountId, groupId: 'g', distributionId: 'd1' };
  const other = { ...want, distributionId: 'd2' };
  expect(chooseAsks([want, want, other], new Map(), 1_000)).toEqual([want, other]);
  const asked = new Map([[`${want.accountId}:g:d1`, 1_000]]);
  expect(chooseAsks([want, other], asked, 1_000 + ASK_INTERVAL_MS - 1)).toEqual([other]);
  expect(chooseAsks([want], asked, 1_000 + ASK_INTERVAL_MS)).toEqual([want]);
});
