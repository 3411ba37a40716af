/**
 * The in-memory store's envelope queues: one list per (recipient, device) in
 * seq order, an index from envelope id to its queue for duplicate detection,
 * and the one seq counter. Every method runs to completion and checks before
 * it changes anything, so the store's all-or-nothing contract holds.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { copyEnvelope, queueKey } from './memory-store-records.js';
import type { NewEnvelope, StoredEnvelope } from './relay-store.js';
import { duplicateEnvelope } from './relay-store-errors.js';
import { envelopeBytes, type QueueUsage } from './store-limits.js';
import { storedEnvelope } from './stored-envelope.js';

export class MemoryQueues {
  /** Per (recipient, device): envelopes in seq order. */
  readonly #queues = new Map<string, StoredEnvelope[]>();
  /** Envelope id -> its queue key, for duplicate detection. */
  readonly #envelopeQueues = new Map<string, string>();
  /** One counter for all queues, never reset: seq never goes backwards, even across deletes. */
  #lastSeq = 0;

  /** How many envelopes are queued in all. */
  get count(): number {
    return this.#envelopeQueues.size;
  }

  usage(recipient: AccountId, deviceId: number): QueueUsage {
    const queue = this.#queues.get(queueKey(recipient, deviceId)) ?? [];
    let bytes = 0;
    for (const envelope of queue) bytes += envelopeBytes(envelope);
    return { envelopes: queue.length, bytes };
  }

  /** DUPLICATE_ENVELOPE for an id already stored or repeated in `envelopes`. */
  assertNewIds(envelopes: readonly NewEnvelope[]): void {
    const idsInBatch = new Set<string>();
    envelopes.forEach((envelope, index) => {
      if (this.#envelopeQueues.has(envelope.id) || idsInBatch.has(envelope.id)) {
        throw duplicateEnvelope(envelope.id, index);
      }
      idsInBatch.add(envelope.id);
    });
  }

  /** Appends envelopes to their queues (ids already checked); returns copies with their seqs. */
  append(envelopes: readonly NewEnvelope[]): StoredEnvelope[] {
    const stored: StoredEnvelope[] = [];
    for (const envelope of envelopes) {
      this.#lastSeq++;
      const record = storedEnvelope(envelope, this.#lastSeq);
      const key = queueKey(envelope.recipient, envelope.deviceId);
      const queue = this.#queues.get(key);
      if (queue === undefined) this.#queues.set(key, [record]);
      else queue.push(record);
      this.#envelopeQueues.set(envelope.id, key);
      stored.push(copyEnvelope(record));
    }
    return stored;
  }

  /** Copies of up to `limit` unexpired envelopes after `afterSeq`, in seq order. */
  fetch(recipient: AccountId, deviceId: number, afterSeq: number, limit: number, now: number): StoredEnvelope[] {
    const page: StoredEnvelope[] = [];
    if (limit < 1) return page;
    for (const envelope of this.#queues.get(queueKey(recipient, deviceId)) ?? []) {
      if (envelope.seq <= afterSeq || envelope.expiresAt <= now) continue;
      page.push(copyEnvelope(envelope));
      if (page.length === limit) break;
    }
    return page;
  }

  /** Deletes those of `ids` queued for this device; returns how many went. */
  delete(recipient: AccountId, deviceId: number, ids: readonly string[]): number {
    const key = queueKey(recipient, deviceId);
    const queue = this.#queues.get(key);
    if (queue === undefined) return 0;
    const doomed = new Set(ids.filter((id) => this.#envelopeQueues.get(id) === key));
    if (doomed.size === 0) return 0;
    for (const id of doomed) this.#envelopeQueues.delete(id);
    const kept = queue.filter((envelope) => !doomed.has(envelope.id));
    if (kept.length === 0) this.#queues.delete(key);
    else this.#queues.set(key, kept);
    return doomed.size;
  }

  /** Removes one device's whole queue; returns how many envelopes went. */
  drop(recipient: AccountId, deviceId: number): number {
    const key = queueKey(recipient, deviceId);
    const queue = this.#queues.get(key) ?? [];
    for (const envelope of queue) this.#envelopeQueues.delete(envelope.id);
    this.#queues.delete(key);
    return queue.length;
  }

  /** Removes every queued envelope `doomed` selects; returns how many went. */
  removeWhere(doomed: (envelope: StoredEnvelope) => boolean): number {
    let removed = 0;
    for (const [key, queue] of this.#queues) {
      const kept: StoredEnvelope[] = [];
      for (const envelope of queue) {
        if (doomed(envelope)) this.#envelopeQueues.delete(envelope.id);
        else kept.push(envelope);
      }
      removed += queue.length - kept.length;
      if (kept.length === 0) this.#queues.delete(key);
      else if (kept.length !== queue.length) this.#queues.set(key, kept);
    }
    return removed;
  }
}
