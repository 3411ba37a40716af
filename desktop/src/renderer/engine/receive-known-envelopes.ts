/**
 * Which envelope ids of a batch are already committed here, so the decrypt
 * stage acks copies again instead of decrypting them.
 *
 * Envelope ids are stored hashed (they are UUIDv7: in the clear they would
 * date every envelope received), so the database answers one equality lookup
 * per id, each a request to Chromium's browser process. `KnownEnvelopes`
 * asks it only while that can matter: ids this engine committed are kept in
 * memory, and copies of what an earlier engine (before a restart or crash)
 * committed come first in the relay's redelivery, which sends its queue
 * oldest first; so the database is asked until a batch holds none, then no
 * more. A copy that still gets through is decrypted again (the vault answers
 * from its cache, or refuses a duplicate) and dropped by the commit's own
 * envelope-id check (receive-commit.ts): the answer here saves work, the
 * commit keeps it exact.
 */
import type { EngineDatabase } from './database.js';

/** Ids of this engine's commits kept in memory; older ones are forgotten first. */
const REMEMBERED_IDS = 20_000;

/** Exactly which ids the database holds, in one read transaction (inside or outside another one). */
export async function committedEnvelopeIds(db: EngineDatabase, envelopeIds: readonly string[]): Promise<Set<string>> {
  const asked = [...new Set(envelopeIds)];
  if (asked.length === 0) return new Set();
  const found = await db.dexie.transaction('r', db.receivedEnvelopes, () =>
    Promise.all(asked.map((id) => db.receivedEnvelopes.where('envelopeIds').equals(id).count())),
  );
  return new Set(asked.filter((_, index) => (found[index] ?? 0) > 0));
}

export class KnownEnvelopes {
  readonly #committedHere = new Set<string>();
  #askDatabase = true;

  constructor(private readonly db: EngineDatabase) {}

  /** Which of these ids were committed before. */
  async among(envelopeIds: readonly string[]): Promise<Set<string>> {
    const known = new Set(envelopeIds.filter((id) => this.#committedHere.has(id)));
    if (!this.#askDatabase) return known;
    const stored = await committedEnvelopeIds(
      this.db,
      envelopeIds.filter((id) => !known.has(id)),
    );
    if (stored.size === 0) this.#askDatabase = false;
    for (const id of stored) known.add(id);
    return known;
  }

  /** These ids just committed. */
  add(envelopeIds: readonly string[]): void {
    for (const id of envelopeIds) {
      this.#committedHere.delete(id);
      this.#committedHere.add(id);
    }
    for (const id of this.#committedHere) {
      if (this.#committedHere.size <= REMEMBERED_IDS) break;
      this.#committedHere.delete(id);
    }
  }
}
