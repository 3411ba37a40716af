/**
 * Which envelope ids of a batch are already committed here. The relay's ids
 * are time-ordered (UUIDv7), so a batch's ids usually sit together in the
 * `receivedEnvelopes` key order: one key-range read answers for the whole
 * batch, instead of one IndexedDB request per id (each a round trip to
 * Chromium's browser process). The answer is exact either way; when the range
 * holds many other ids (ids of another shape, or an old envelope redelivered
 * among new ones) it falls back to reading each id.
 *
 * Works inside or outside a transaction (Dexie joins the current one).
 */
import type { EngineDatabase } from './database.js';

/** More keys than this many per asked id in the range: read the ids one by one instead. */
const RANGE_SLACK = 4;

export async function committedEnvelopeIds(db: EngineDatabase, envelopeIds: readonly string[]): Promise<Set<string>> {
  if (envelopeIds.length === 0) return new Set();
  let lowest = envelopeIds[0] ?? '';
  let highest = lowest;
  for (const id of envelopeIds) {
    if (id < lowest) lowest = id;
    if (id > highest) highest = id;
  }
  const limit = envelopeIds.length * RANGE_SLACK;
  const inRange = await db.receivedEnvelopes
    .where(':id')
    .between(lowest, highest, true, true)
    .limit(limit + 1)
    .primaryKeys();
  if (inRange.length <= limit) {
    const asked = new Set(envelopeIds);
    return new Set(inRange.filter((id) => asked.has(id)));
  }
  const rows = await db.receivedEnvelopes.bulkGet([...envelopeIds]);
  return new Set(envelopeIds.filter((_, index) => rows[index] !== undefined));
}
