/**
 * committedEnvelopeIds answers exactly which ids are stored, whether one
 * key-range read suffices (ids close together) or the range holds many
 * other ids and it reads the asked ids one by one.
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

async function databaseWith(ids: readonly string[]): Promise<EngineDatabase> {
  const db = await memoryDatabase();
  open.push(db);
  await db.receivedEnvelopes.bulkPut(ids.map((envelopeId) => ({ envelopeId, receivedAt: 1 })));
  return db;
}

it('answers a batch of neighbouring ids from one range read, exactly', async () => {
  const db = await databaseWith([id(1), id(3), id(5), id(9)]);
  const asked = [id(5), id(2), id(3), id(4)];
  expect([...(await committedEnvelopeIds(db, asked))].sort()).toEqual([id(3), id(5)]);
  expect(await committedEnvelopeIds(db, [])).toEqual(new Set());
});

it('falls back to reading each id when the range holds many others', async () => {
  const crowd = Array.from({ length: 200 }, (_, n) => id(n + 10));
  const db = await databaseWith([id(1), ...crowd, id(999)]);
  // Two ids far apart: the range between them holds 200 others.
  expect([...(await committedEnvelopeIds(db, [id(999), id(1)]))].sort()).toEqual([id(1), id(999)]);
  expect([...(await committedEnvelopeIds(db, [id(2), id(998)]))]).toEqual([]);
  // Inside a transaction too.
  const inside = await db.dexie.transaction('r', db.receivedEnvelopes, () =>
    committedEnvelopeIds(db, [id(1), id(50), id(500)]),
  );
  expect([...inside].sort()).toEqual([id(1), id(50)]);
});
