/**
 * The decrypted-plaintext cache: the outcome of every envelope the vault
 * decrypted, kept until the engine says it committed it (releaseDecrypted).
 * A redelivered envelope id found here gets the same outcome again without
 * touching the ratchet (which could not decrypt it twice anyway).
 *
 * One decrypt call's outcomes are one row (CachedBatch), written in the same
 * transaction as the call's ratchet steps. The index from envelope id to row
 * is updated only after a commit succeeded, so it always matches the disk.
 */
import { randomUUID } from 'node:crypto';
import type { DurableRecords } from './durable-records.js';
import { type CachedDecryption, RecordKinds } from './record-kinds.js';

/**
 * Cached plaintext the engine never released is dropped after this long: the
 * relay keeps an undelivered envelope for 30 days by default, so after that no
 * redelivery can come to need it.
 */
export const DECRYPTED_CACHE_TTL_MS = 45 * 24 * 60 * 60 * 1000;

/** A batch row staged in a transaction, to index once it committed. */
export interface StagedCacheBatch {
  readonly batchId: string;
  readonly entries: readonly CachedDecryption[];
}

/** Envelope ids whose cached outcomes a transaction removes, to unindex once it committed. */
export interface StagedRelease {
  readonly envelopeIds: readonly string[];
}

export class PlaintextCache {
  readonly #records: DurableRecords;
  readonly #now: () => number;
  readonly #index = new Map<string, { readonly batchId: string; readonly entry: CachedDecryption }>();

  constructor(records: DurableRecords, now: () => number) {
    this.#records = records;
    this.#now = now;
    for (const { parts, value } of records.entriesOfKind(RecordKinds.decryptedBatch)) {
      const [batchId = ''] = parts;
      for (const entry of value.entries) this.#index.set(entry.envelopeId, { batchId, entry });
    }
  }

  get size(): number {
    return this.#index.size;
  }

  find(envelopeId: string): CachedDecryption | undefined {
    return this.#index.get(envelopeId)?.entry;
  }

  /** Stages one row with `entries` inside the caller's transaction. */
  stage(entries: readonly CachedDecryption[]): StagedCacheBatch | null {
    if (entries.length === 0) return null;
    const batchId = randomUUID();
    this.#records.set(RecordKinds.decryptedBatch, [batchId], { cachedAt: this.#now(), entries });
    return { batchId, entries };
  }

  /** The staged row is on disk: make its entries findable. */
  committed(staged: StagedCacheBatch | null): void {
    if (staged === null) return;
    for (const entry of staged.entries) this.#index.set(entry.envelopeId, { batchId: staged.batchId, entry });
  }

  /** Forgets these envelopes' outcomes (unknown ids are ignored), in a transaction of its own. */
  async release(envelopeIds: readonly string[]): Promise<void> {
    let staged: StagedRelease | null = null;
    await this.#records.transaction(async () => {
      staged = this.stageRelease(envelopeIds);
    });
    this.released(staged);
  }

  /**
   * Stages the removal of these envelopes' outcomes inside the caller's
   * transaction (decrypt folds the engine's release into its own commit).
   * Unknown ids are ignored; null when nothing is cached for any of them.
   */
  stageRelease(envelopeIds: readonly string[]): StagedRelease | null {
    const released = new Map<string, Set<string>>();
    for (const envelopeId of envelopeIds) {
      const found = this.#index.get(envelopeId);
      if (found === undefined) continue;
      let ids = released.get(found.batchId);
      if (ids === undefined) {
        ids = new Set();
        released.set(found.batchId, ids);
      }
      ids.add(envelopeId);
    }
    if (released.size === 0) return null;
    for (const [batchId, ids] of released) {
      const batch = this.#records.get(RecordKinds.decryptedBatch, batchId);
      if (batch === undefined) continue;
      const remaining = batch.entries.filter((entry) => !ids.has(entry.envelopeId));
      if (remaining.length === 0) this.#records.delete(RecordKinds.decryptedBatch, batchId);
      else this.#records.set(RecordKinds.decryptedBatch, [batchId], { ...batch, entries: remaining });
    }
    return { envelopeIds: [...released.values()].flatMap((ids) => [...ids]) };
  }

  /** The staged release is on disk: its envelopes are no longer findable. */
  released(staged: StagedRelease | null): void {
    if (staged === null) return;
    for (const id of staged.envelopeIds) this.#index.delete(id);
  }

  /** Drops rows older than DECRYPTED_CACHE_TTL_MS (at unlock). Returns how many envelopes were dropped. */
  async purgeStale(): Promise<number> {
    const cutoff = this.#now() - DECRYPTED_CACHE_TTL_MS;
    const stale = this.#records
      .entriesOfKind(RecordKinds.decryptedBatch)
      .filter(({ value }) => value.cachedAt < cutoff);
    if (stale.length === 0) return 0;
    await this.#records.transaction(async () => {
      for (const { parts } of stale) this.#records.delete(RecordKinds.decryptedBatch, ...parts);
    });
    let dropped = 0;
    for (const { value } of stale) {
      for (const entry of value.entries) {
        this.#index.delete(entry.envelopeId);
        dropped++;
      }
    }
    return dropped;
  }
}
