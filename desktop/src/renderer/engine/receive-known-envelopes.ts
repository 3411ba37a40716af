/**
 * Which envelope ids of a batch are already committed here. Envelope ids are
 * stored hashed (they are UUIDv7: in the clear they would date every message
 * received), so each is one equality lookup on the unique envelopeId index;
 * the lookups go out together in one read transaction (in Chromium each
 * transaction costs round trips to the browser process).
 *
 * Works inside or outside a transaction (Dexie joins the current one).
 */
import type { EngineDatabase } from './database.js';

export async function committedEnvelopeIds(db: EngineDatabase, envelopeIds: readonly string[]): Promise<Set<string>> {
  const asked = [...new Set(envelopeIds)];
  if (asked.length === 0) return new Set();
  const found = await db.dexie.transaction('r', db.receivedEnvelopes, () =>
    Promise.all(asked.map((id) => db.receivedEnvelopes.where('envelopeId').equals(id).count())),
  );
  return new Set(asked.filter((_, index) => (found[index] ?? 0) > 0));
}
