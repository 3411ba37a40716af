/**
 * Group commit for envelopes. Every send of one event-loop turn (and, while
 * the commits in flight are at their limit, every send that arrives until
 * one ends) goes into one
 * `insertEnvelopes` transaction; each send's acknowledgement waits for that
 * commit. One transaction per batch instead of one per envelope is what keeps
 * a durable relay near a bare forwarder's throughput (an fsync per batch, not
 * per envelope).
 *
 * - A send's envelopes (one per recipient device) always travel in the same
 *   batch, so they are committed or refused together.
 * - Commit order is the order of `seq` within each device's queue, which the
 *   delivery cursor relies on (delivery/device-connection.ts), and pushes
 *   follow it. With a store that commits in call order (SQLite: one writer
 *   thread takes calls in turn) two batches may be in flight, the second
 *   queued behind the first, so the writer starts it the moment the first
 *   is done instead of waiting for this event loop to hear back; with any
 *   other store one commit runs at a time.
 * - A failed commit refuses every send of its batch (the caller answers
 *   UNAVAILABLE); nothing of it was stored.
 * - Queue caps and the daily quota are checked by the store, send by send,
 *   inside the batch's transaction (`commitSends`): a batch can never take a
 *   queue past its cap, however many sends to it it holds, and a send the
 *   limits refuse is answered with its refusal while the rest commit.
 */
import type { Logger } from '../logging.js';
import type { RelayMetrics } from '../metrics.js';
import type { NewSend, RelayStore, SendLimits, SendOutcome, StoredEnvelope } from '../storage/relay-store.js';

interface PendingSend {
  readonly send: NewSend;
  readonly resolve: (outcome: SendOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/** The limits the committer applies, without the time (each batch is checked at its own `now`). */
export type CommitLimits = Omit<SendLimits, 'now'>;

/** Envelopes per transaction, at most (a batch may exceed it by one send's devices). */
export const MAX_ENVELOPES_PER_COMMIT = 512;

/** Batches in flight at once with a store that commits in call order. */
export const PIPELINED_COMMITS = 2;

export class EnvelopeCommitter {
  #queue: PendingSend[] = [];
  #queuedEnvelopes = 0;
  #scheduled = false;
  #inFlight = 0;
  readonly #maxInFlight: number;
  #idleWaiters: Array<() => void> = [];

  constructor(
    private readonly store: RelayStore,
    private readonly metrics: RelayMetrics,
    private readonly logger: Logger,
    private readonly limits: CommitLimits,
    /** Called after each successful commit with what it stored (in seq order per device). */
    private readonly onCommitted: (stored: readonly StoredEnvelope[]) => void,
    private readonly clock: () => number = Date.now,
  ) {
    this.#maxInFlight = store.commitsInCallOrder === true ? PIPELINED_COMMITS : 1;
  }

  /**
   * Resolves once the batch holding the send committed: with its stored
   * envelopes, or with the limit that refused it (nothing of it stored).
   * Rejects if the commit failed.
   */
  submit(send: NewSend): Promise<SendOutcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ send, resolve, reject });
      this.#queuedEnvelopes += send.envelopes.length;
      this.#schedule();
    });
  }

  /** Resolves when nothing is queued or committing (used by shutdown and account deletion). */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0 && !this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.#maxInFlight) return;
    this.#scheduled = true;
    // setImmediate runs after the I/O callbacks of this turn: every socket
    // frame already read joins the batch.
    setImmediate(() => {
      this.#scheduled = false;
      this.#inFlight++;
      void this.#commitNext().finally(() => {
        this.#inFlight--;
        if (this.#queue.length > 0) this.#schedule();
        else if (this.#inFlight === 0 && !this.#scheduled) this.#notifyIdle();
      });
      // A batch cut at MAX_ENVELOPES_PER_COMMIT leaves sends for the next one.
      if (this.#queue.length > 0) this.#schedule();
    });
  }

  #takeBatch(): PendingSend[] {
    let count = 0;
    let taken = 0;
    while (taken < this.#queue.length && count < MAX_ENVELOPES_PER_COMMIT) {
      count += this.#queue[taken]?.send.envelopes.length ?? 0;
      taken++;
    }
    const batch = this.#queue.slice(0, taken);
    this.#queue = this.#queue.slice(taken);
    this.#queuedEnvelopes -= count;
    return batch;
  }

  async #commitNext(): Promise<void> {
    const batch = this.#takeBatch();
    if (batch.length === 0) return;
    let outcomes: SendOutcome[];
    try {
      outcomes = await this.store.commitSends(
        batch.map((pending) => pending.send),
        { ...this.limits, now: this.clock() },
      );
    } catch (error) {
      const envelopes = batch.reduce((sum, pending) => sum + pending.send.envelopes.length, 0);
      this.logger.error({ err: error, envelopes }, 'envelope commit failed');
      for (const pending of batch) pending.reject(error);
      return;
    }
    const stored: StoredEnvelope[] = [];
    batch.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined) {
        pending.reject(new Error('the store answered no outcome for this send'));
        return;
      }
      if (outcome.ok) stored.push(...outcome.stored);
      pending.resolve(outcome);
    });
    this.metrics.envelopesAccepted.inc(stored.length);
    this.metrics.commitBatchSize.observe(stored.length);
    try {
      this.onCommitted(stored);
    } catch (error) {
      // Delivery is best effort here: the envelopes are safe in the store and the next drain sends them.
      this.logger.error({ err: error }, 'push after commit failed');
    }
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Envelopes waiting for the next commit (for tests and metrics). */
  get backlog(): number {
    return this.#queuedEnvelopes;
  }
}
