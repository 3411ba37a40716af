/**
 * Received envelope ids: committedEnvelopeIds answers exactly which ids are
 * stored (ids are hashed at rest, so one equality lookup each, in or out of
 * a transaction); KnownEnvelopes asks the database only while a redelivery
 * can hold an earlier engine's commits; pruning forgets the oldest by
 * arrival order, without an index on time.
 */
import { afterEach, expect, it } from 'vitest';
import type { EngineDatabase } from '../../src/renderer/engine/database.js';
import { committedEnvelopeIds, KnownEnvelopes } from '../../src/renderer/engine/receive-known-envelopes.js';
import { memoryDatabase } from '../support/memory-database.js';

const open: EngineDatabase[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function id(n: number): string {
  return `0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`;
}

/** One row per `perRow` ids, as commits record them, the n-th row received at `receivedAt(n)`. */
async function databaseWith(
  ids: readonly string[],
  receivedAt: (n: number) => number = () => 1,
  perRow = 100,
): Promise<EngineDatabase> {
  const db = await memoryDatabase();
  open.push(db);
  const rows: { envelopeIds: string[]; receivedAt: number }[] = [];
  for (let i = 0; i < ids.length; i += perRow) {
    rows.push({ envelopeIds: ids.slice(i, i + perRow), receivedAt: receivedAt(rows.length) });
  }
  await db.receivedEnvelopes.bulkAdd(rows);
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

it('asks the database until a batch holds no id committed before, and remembers its own commits', async () => {
  // Committed by an earlier engine, ack lost: the relay sends them again first.
  const db = await databaseWith([id(1), id(2)]);
  const known = new KnownEnvelopes(db);
  expect(await known.among([id(1), id(3)])).toEqual(new Set([id(1)]));
  expect(await known.among([id(2), id(4)])).toEqual(new Set([id(2)]));
  expect(await known.among([id(5)])).toEqual(new Set());
  // From here on only this engine's own commits are answered (from memory); the commit catches any other copy.
  known.add([id(5)]);
  await db.receivedEnvelopes.add({ envelopeIds: [id(6)], receivedAt: 1 });
  expect(await known.among([id(5), id(6)])).toEqual(new Set([id(5)]));
});

it('prunes ids received before a time, oldest first, and keeps the rest', async () => {
  // 1,200 ids, ten per row, row n received at t=n: pruning before t=110 takes two pages of rows.
  const ids = Array.from({ length: 1200 }, (_, n) => id(n));
  const db = await databaseWith(ids, (n) => n, 10);
  expect(await db.pruneReceivedEnvelopes(110)).toBe(1100);
  expect(await db.receivedEnvelopes.count()).toBe(10);
  expect(await committedEnvelopeIds(db, [id(1099), id(1100), id(1199)])).toEqual(new Set([id(1100), id(1199)]));
  expect(await db.pruneReceivedEnvelopes(110)).toBe(0);
});
