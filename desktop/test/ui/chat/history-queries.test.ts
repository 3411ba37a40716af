/**
 * The queries the chat view's window reads (EngineQueries.messageRange,
 * positionAway, messageCount, conversation) on fake-indexeddb, through the
 * at-rest layer as the engine stores them.
 */
import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { messageSortKey } from '../../../src/renderer/engine/conversation-ids.js';
import type { EngineDatabase } from '../../../src/renderer/engine/database.js';
import { EngineQueries, liveQuery } from '../../../src/renderer/engine/queries.js';
import type { ContactRecord, NewMessageRecord } from '../../../src/renderer/engine/records.js';
import { memoryDatabase } from '../../support/memory-database.js';

const BOB = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' as ContactRecord['accountId'];
const CONVERSATION = `direct:${BOB}`;
const T0 = 1_700_000_000_000;

/** Seeds `count` messages; returns their positions, oldest first. */
async function seed(db: EngineDatabase, count: number): Promise<string[]> {
  const rows: NewMessageRecord[] = [];
  for (let i = 0; i < count; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    rows.push({
      id,
      conversationId: CONVERSATION,
      kind: 'text',
      direction: i % 3 === 0 ? 'outgoing' : 'incoming',
      senderAccountId: BOB,
      sentAt: T0 + i,
      receivedAt: null,
      sortKey: messageSortKey(T0 + i, id),
      state: 'read',
      envelopeId: null,
      serverTimestamp: null,
      body: `message ${i}`,
    });
  }
  // A neighbouring conversation in the same index must never leak in.
  rows.push({
    ...(rows[0] as NewMessageRecord),
    id: 'other',
    conversationId: 'direct:zzz',
    sortKey: messageSortKey(T0, 'o'),
  });
  await db.messages.bulkAdd(rows);
  const stored = await db.messages.bulkGet(rows.slice(0, count).map((row) => row.id));
  return stored.map((row) => row?.position ?? '');
}

async function setUp(count: number) {
  const db = await memoryDatabase();
  const keys = await seed(db, count);
  return { db, keys, queries: new EngineQueries(db) };
}

describe('messageRange', () => {
  it('reads a closed range oldest first, saying whether more lies on each side', async () => {
    const { db, keys, queries } = await setUp(300);
    const range = await queries.messageRange(CONVERSATION, { from: keys[100], to: keys[199] });
    expect(range.messages.map((m) => m.body)).toEqual(Array.from({ length: 100 }, (_, i) => `message ${100 + i}`));
    expect(range).toMatchObject({ hasOlder: true, hasNewer: true });
    const all = await queries.messageRange(CONVERSATION, {});
    expect(all.messages).toHaveLength(300);
    expect(all).toMatchObject({ hasOlder: false, hasNewer: false });
    db.close();
  });

  it('keeps the newest rows of an open range past its limit, and the oldest of a closed one', async () => {
    const { db, keys, queries } = await setUp(300);
    const open = await queries.messageRange(CONVERSATION, { from: keys[0], limit: 50 });
    expect(open.messages[0]?.body).toBe('message 250');
    expect(open.messages.at(-1)?.body).toBe('message 299');
    expect(open).toMatchObject({ hasOlder: true, hasNewer: false });
    const closed = await queries.messageRange(CONVERSATION, { from: keys[0], to: keys[299], limit: 50 });
    expect(closed.messages.at(-1)?.body).toBe('message 49');
    expect(closed.hasNewer).toBe(true);
    db.close();
  });

  it('re-runs under liveQuery when a message in the range changes state or a new one arrives', async () => {
    // liveQuery runs only where a global IndexedDB exists (a browser); Node has none, so lend it one.
    Dexie.dependencies.indexedDB ??= new IDBFactory();
    Dexie.dependencies.IDBKeyRange ??= IDBKeyRange;
    const { db, keys, queries } = await setUp(20);
    const seen: string[][] = [];
    const subscription = liveQuery(() => queries.messageRange(CONVERSATION, { from: keys[10] })).subscribe({
      next: (range) => seen.push(range.messages.map((m) => `${m.body}:${m.state}`)),
    });
    const waitFor = async (n: number) => {
      for (let i = 0; i < 200 && seen.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(seen.length).toBeGreaterThanOrEqual(n);
    };
    await waitFor(1);
    expect(seen[0]).toHaveLength(10);
    const target = (await db.messages.toArray()).find((m) => m.position === keys[15]);
    await db.messages.update(target?.id ?? '', { state: 'failed' });
    await waitFor(2);
    expect(seen.at(-1)?.[5]).toBe('message 15:failed');
    const id = 'ffffffff-0000-4000-8000-000000000000';
    await db.messages.add({
      id,
      conversationId: CONVERSATION,
      kind: 'text',
      direction: 'incoming',
      senderAccountId: BOB,
      sentAt: T0 + 1000,
      receivedAt: T0 + 1000,
      sortKey: messageSortKey(T0 + 1000, id),
      state: 'delivered',
      envelopeId: null,
      serverTimestamp: null,
      body: 'new one',
    });
    await waitFor(3);
    expect(seen.at(-1)?.at(-1)).toBe('new one:delivered');
    subscription.unsubscribe();
    db.close();
  });
});

describe('positionAway and messageCount', () => {
  it('steps a page older or newer by index keys, stopping at the ends', async () => {
    const { db, keys, queries } = await setUp(250);
    expect(await queries.positionAway(CONVERSATION, { direction: 'older', count: 100 })).toEqual({
      position: keys[150],
      reachedEnd: false,
    });
    expect(await queries.positionAway(CONVERSATION, { from: keys[150], direction: 'older', count: 100 })).toEqual({
      position: keys[50],
      reachedEnd: false,
    });
    expect(await queries.positionAway(CONVERSATION, { from: keys[50], direction: 'older', count: 100 })).toEqual({
      position: keys[0],
      reachedEnd: true,
    });
    expect(await queries.positionAway(CONVERSATION, { from: keys[0], direction: 'older', count: 100 })).toEqual({
      position: null,
      reachedEnd: true,
    });
    expect(await queries.positionAway(CONVERSATION, { from: keys[100], direction: 'newer', count: 100 })).toEqual({
      position: keys[200],
      reachedEnd: false,
    });
    expect(await queries.positionAway(CONVERSATION, { from: keys[200], direction: 'newer', count: 100 })).toEqual({
      position: keys[249],
      reachedEnd: true,
    });
    expect(await queries.positionAway(CONVERSATION, { direction: 'newer', count: 1 })).toEqual({
      position: keys[0],
      reachedEnd: false,
    });
    expect(await queries.messageCount(CONVERSATION)).toBe(250);
    expect(await queries.messageCount('direct:nobody')).toBe(0);
    db.close();
  });
});

describe('conversation', () => {
  it('returns one conversation with its contact, or null', async () => {
    const { db, queries } = await setUp(0);
    await db.contacts.add({
      accountId: BOB,
      displayName: 'Bob',
      relayUrl: 'http://127.0.0.1:7447',
      verified: true,
      origin: 'contact-code',
      addedAt: T0,
    });
    await db.conversations.add({
      id: CONVERSATION,
      kind: 'direct',
      peerId: BOB,
      title: null,
      lastActivityAt: T0,
      lastSortKey: '',
      unreadCount: 0,
      preview: null,
      createdAt: T0,
    });
    const view = await queries.conversation(CONVERSATION);
    expect(view).toMatchObject({ name: 'Bob', contact: { verified: true }, preview: null });
    expect(await queries.conversation('direct:nobody')).toBeNull();
    db.close();
  });
});

describe('message', () => {
  it('reads one message by id with its body, or null', async () => {
    const { db, keys, queries } = await setUp(20);
    const range = await queries.messageRange(CONVERSATION, { from: keys[5], to: keys[5] });
    const id = range.messages[0]?.id ?? '';
    expect(await queries.message(id)).toMatchObject({ id, position: keys[5], body: 'message 5' });
    expect(await queries.message('no-such-message')).toBeNull();
    db.close();
  });
});
