/**
 * Received envelope ids: committedEnvelopeIds answers exactly which ids are
 * stored (ids are hashed at rest, so one equality lookup each, in or out of
 * a transaction), and pruning forgets the oldest by arrival order, without
 * an index on time.
 */
import { afterEach, expect, it } from 'vitest';
import type { EngineDatabase } from '../../src/renderer/engine/database.js';
import { committedEnvelopeIds } from '../../src/renderer/engine/receive-known-envelopes.js';
import { memoryDatabase } from '../support/memory-database.js';

const open: EngineDatabase[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function id(n: number): string {
  return `0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`;
}

async function databaseWith(
  ids: readonly string[],
  receivedAt: (n: number) => number = () => 1,
): Promise<EngineDatabase> {
  const db = await memoryDatabase();
  open.push(db);
  await db.receivedEnvelopes.bulkAdd(ids.map((envelopeId, n) => ({ envelopeId, receivedAt: receivedAt(n) })));
  return db;
}

it('answers exactly which ids are committed, inside a transaction or not', async () => {
  const crowd = Array.from({ length: 200 }, (_, n) => id(n + 10));
  const db = await databaseWith([id(1), id(3), id(5), ...crowd, id(999)]);
  expect([...(await committedEnvelopeIds(db, [id(5), id(2), id(3), id(4), id(3)]))].sort()).toEqual([id(3), id(5)]);
  expect([...(await committedEnvelopeIds(db, [id(999), id(1)]))].sort()).toEqual([id(1), id(999)]);
  expect(await committedEnvelopeIds(db, [])).toEqual(new Set());
  const inside = await db.dexie.transaction('r', db.receivedEnvelopes, () =>
    committedEnvelopeIds(db, [id(1), id(50), id(500)]),
  );
  expect([...inside].sort()).toEqual([id(1), id(50)]);
});

it('prunes ids received before a time, oldest first, and keeps the rest', async () => {
  // 1,200 ids received one per millisecond from t=0: pruning before t=1,100 takes three pages.
  const ids = Array.from({ length: 1200 }, (_, n) => id(n));
  const db = await databaseWith(ids, (n) => n);
  expect(await db.pruneReceivedEnvelopes(1100)).toBe(1100);
  expect(await db.receivedEnvelopes.count()).toBe(100);
  expect(await committedEnvelopeIds(db, [id(1099), id(1100), id(1199)])).toEqual(new Set([id(1100), id(1199)]));
  expect(await db.pruneReceivedEnvelopes(1100)).toBe(0);
});
