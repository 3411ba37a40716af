/**
 * Which envelope ids of a batch are already committed here. Envelope ids are
 * stored hashed (they are UUIDv7: in the clear they would date every message
 * received), so each is one equality lookup on the unique envelopeId index;
 * the lookups go out together, and IndexedDB answers them in one go.
 *
 * Works inside or outside a transaction (Dexie joins the current one).
 */
import type { EngineDatabase } from './database.js';

export async function committedEnvelopeIds(db: EngineDatabase, envelopeIds: readonly string[]): Promise<Set<string>> {
  const asked = [...new Set(envelopeIds)];
  const found = await Promise.all(asked.map((id) => db.receivedEnvelopes.where('envelopeId').equals(id).count()));
  return new Set(asked.filter((_, index) => (found[index] ?? 0) > 0));
}
