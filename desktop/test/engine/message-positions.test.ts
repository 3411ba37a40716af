/**
 * Positions (message-positions.ts) and their placement on write
 * (message-placement.ts): the history's index order is the sort key order,
 * whatever order messages arrive in, with no time in the index.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { seededRandom } from '@parley/test-support/fuzz';
import { afterEach, describe, expect, it } from 'vitest';
import { directConversationId, messageSortKey } from '../../src/renderer/engine/conversation-ids.js';
import type { EngineDatabase } from '../../src/renderer/engine/database.js';
import { positionAfter, positionBetween, positionsBetween } from '../../src/renderer/engine/message-positions.js';
import type { NewMessageRecord } from '../../src/renderer/engine/records.js';
import { memoryDatabase } from '../support/memory-database.js';

const PEER = 'peerpeerpeerpeerpeerpeerpeerpeer' as AccountId;
const CONVERSATION = directConversationId(PEER);

const open: EngineDatabase[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function message(sentAt: number, n: number, conversationId = CONVERSATION): NewMessageRecord {
  const id = `0192aaaa-0000-7000-8000-${String(n).padStart(12, '0')}`;
  return {
    id,
    conversationId,
    kind: 'text',
    direction: 'incoming',
    senderAccountId: PEER,
    sentAt,
    receivedAt: sentAt,
    sortKey: messageSortKey(sentAt, id),
    state: 'delivered',
    envelopeId: null,
    serverTimestamp: sentAt,
    body: `message ${n}`,
  };
}

async function historyOrder(db: EngineDatabase, conversationId = CONVERSATION): Promise<string[]> {
  const rows = await db.messages
    .where('[conversationId+position]')
    .between([conversationId, ''], [conversationId, '\uffff'])
    .toArray();
  return rows.map((row) => row.sortKey);
}

describe('positions', () => {
  it('count up for appends, and always fit between two neighbours', () => {
    const first = positionAfter(null);
    const second = positionAfter(first);
    expect(first).toHaveLength(8);
    expect(second > first).toBe(true);
    const between = positionBetween(first, second);
    expect(first < between && between < second).toBe(true);
    let lower = first;
    // A thousand late messages into the same gap: still ordered, keys stay short.
    const keys = positionsBetween(lower, between, 1000);
    for (const key of keys) {
      expect(key > lower && key < between).toBe(true);
      lower = key;
    }
    expect(Math.max(...keys.map((key) => key.length))).toBeLessThan(16);
    const before = positionsBetween(null, first, 3);
    expect([...before].sort()).toEqual(before);
    expect((before.at(-1) ?? '') < first).toBe(true);
  });

  it('stay ordered under random insertion anywhere', () => {
    const random = seededRandom(7);
    const keys: string[] = [positionAfter(null)];
    for (let i = 0; i < 2000; i++) {
      const at = Math.floor(random() * (keys.length + 1));
      const lower = keys[at - 1] ?? null;
      const upper = keys[at] ?? null;
      const [key] = positionsBetween(lower, upper, 1);
      keys.splice(at, 0, key as string);
    }
    expect([...keys].sort()).toEqual(keys);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('placement on write', () => {
  it('orders a conversation by sort key whatever order its messages arrive in, one write or many', async () => {
    const db = await memoryDatabase();
    open.push(db);
    const random = seededRandom(11);
    const all = Array.from({ length: 300 }, (_, n) => message(1_800_000_000_000 + n * 1000, n));
    const shuffled = [...all].sort(() => random() - 0.5);
    // Batches as the receive path writes them, single adds as the composer does, and another conversation between.
    await db.messages.bulkAdd(shuffled.slice(0, 120));
    for (const row of shuffled.slice(120, 160)) await db.messages.add(row);
    await db.messages.bulkAdd([message(1_800_000_000_500, 999, 'direct:other'), ...shuffled.slice(160, 250)]);
    await db.dexie.transaction('rw', db.messages, async () => {
      await db.messages.bulkAdd(shuffled.slice(250, 280));
      await db.messages.bulkAdd(shuffled.slice(280));
    });
    expect(await historyOrder(db)).toEqual(all.map((row) => row.sortKey));
    expect(await historyOrder(db, 'direct:other')).toHaveLength(1);
  });

  it('keeps a position once given (a state update does not move a message), and places concurrent writes apart', async () => {
    const db = await memoryDatabase();
    open.push(db);
    await db.messages.bulkAdd([message(1000, 1), message(3000, 3)]);
    const before = await db.messages.get(message(3000, 3).id);
    await db.messages.update(message(3000, 3).id, { state: 'read' });
    expect((await db.messages.get(message(3000, 3).id))?.position).toBe(before?.position);
    // Two writes in one transaction not awaited one by one still get distinct places.
    await db.dexie.transaction('rw', db.messages, () =>
      Promise.all([db.messages.add(message(2000, 2)), db.messages.add(message(4000, 4))]),
    );
    const positions = (await db.messages.toArray()).map((row) => row.position);
    expect(new Set(positions).size).toBe(4);
    expect(await historyOrder(db)).toEqual([1000, 2000, 3000, 4000].map((at, i) => message(at, i + 1).sortKey));
  });
});
