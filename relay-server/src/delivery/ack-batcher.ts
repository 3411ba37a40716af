/**
 * Group commit for acknowledgements. The acks that arrive together (within
 * one event-loop turn, or within a short linger after the first, or while a
 * delete is running) go into one `deleteEnvelopesBatch` transaction; each
 * ack is answered only after that transaction committed. Under load one
 * transaction per ack meant one fsync per ack on the event loop; one per
 * batch costs one transaction for all of them.
 *
 * - A deletion only ever touches its own device's queue (the store scopes
 *   every request), so batching cannot let one device delete another's envelopes.
 * - The first ack of a batch waits up to `lingerMs` (10 ms by default) for
 *   others; a batch that reaches MAX_IDS_PER_DELETE goes at once. A delete
 *   costs about the same for one id as for hundreds, and nobody waits on an
 *   ack's answer (the recipient already has the envelope), so a short wait
 *   turns hundreds of tiny transactions per second into a few dozen at
 *   moderate load, where profiles showed their fixed cost dominating.
 * - At most one delete runs at a time: what arrives meanwhile waits and forms
 *   the next batch, so batches grow with load instead of piling up transactions.
 * - A failed transaction fails every ack of its batch (nothing of it was
 *   deleted) with UNAVAILABLE; the clients ack again later.
 */
import { RelayErrorCode, RelayServerError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { EnvelopeDeletion, RelayStore } from '../storage/relay-store.js';

interface PendingDeletion {
  readonly deletion: EnvelopeDeletion;
  readonly resolve: (deleted: number) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Envelope ids per transaction, at most (a batch may exceed it by one ack's
 * ids). Bounds how long one transaction holds the event loop; an ack carries
 * at most MAX_ENVELOPES_PER_BATCH (100) ids.
 */
export const MAX_IDS_PER_DELETE = 2000;

/** How long the first ack of a batch waits for more before the delete starts. */
export const DEFAULT_ACK_LINGER_MS = 10;

/** What will start the next delete: nothing yet, the linger timer, or the next turn of the event loop. */
type NextDelete = 'none' | 'linger' | 'immediate';

export class AckBatcher {
  #queue: PendingDeletion[] = [];
  #queuedIds = 0;
  #next: NextDelete = 'none';
  #lingerTimer: NodeJS.Timeout | undefined;
  #running: Promise<void> | null = null;
  #idleWaiters: Array<() => void> = [];

  constructor(
    private readonly store: RelayStore,
    private readonly logger: Logger,
    /** 0: delete at the end of the current event-loop turn, like the envelope committer. */
    private readonly lingerMs: number = DEFAULT_ACK_LINGER_MS,
  ) {}

  /**
   * Resolves with how many of the ids were deleted once the batch holding
   * them committed; rejects with UNAVAILABLE if that transaction failed.
   */
  submit(deletion: EnvelopeDeletion): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ deletion, resolve, reject });
      this.#queuedIds += deletion.ids.length;
      this.#schedule();
    });
  }

  /** Resolves when nothing is queued or deleting. */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && this.#running === null && this.#next === 'none') return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Acks waiting for the next transaction. */
  get backlog(): number {
    return this.#queue.length;
  }

  #schedule(): void {
    // A running delete schedules the next one when it ends.
    if (this.#running !== null || this.#queue.length === 0) return;
    const full = this.#queuedIds >= MAX_IDS_PER_DELETE;
    if (this.#next === 'immediate' || (this.#next === 'linger' && !full)) return;
    if (this.#lingerTimer !== undefined) {
      clearTimeout(this.#lingerTimer);
      this.#lingerTimer = undefined;
    }
    if (full || this.lingerMs <= 0) {
      this.#next = 'immediate';
      // setImmediate runs after the I/O callbacks of this turn: every ack
      // frame already read joins the batch.
      setImmediate(() => this.#start());
    } else {
      this.#next = 'linger';
      this.#lingerTimer = setTimeout(() => {
        this.#lingerTimer = undefined;
        this.#start();
      }, this.lingerMs);
    }
  }

  #start(): void {
    this.#next = 'none';
    this.#running = this.#deleteNext().finally(() => {
      this.#running = null;
      if (this.#queue.length > 0) this.#schedule();
      else this.#notifyIdle();
    });
  }

  #takeBatch(): PendingDeletion[] {
    let ids = 0;
    let taken = 0;
    while (taken < this.#queue.length && ids < MAX_IDS_PER_DELETE) {
      ids += this.#queue[taken]?.deletion.ids.length ?? 0;
      taken++;
    }
    const batch = this.#queue.slice(0, taken);
    this.#queue = this.#queue.slice(taken);
    this.#queuedIds -= ids;
    return batch;
  }

  async #deleteNext(): Promise<void> {
    const batch = this.#takeBatch();
    if (batch.length === 0) return;
    let counts: number[];
    try {
      counts = await this.store.deleteEnvelopesBatch(batch.map((pending) => pending.deletion));
    } catch (error) {
      // Logged once here, not once per ack: a failing store would otherwise flood the log.
      this.logger.error({ err: error, acks: batch.length }, 'acknowledgement batch failed');
      const refusal = new RelayServerError(
        RelayErrorCode.Unavailable,
        'the acknowledgement could not be stored: retry',
        error,
        { retryAfter: 1 },
      );
      for (const pending of batch) pending.reject(refusal);
      return;
    }
    for (const [index, pending] of batch.entries()) pending.resolve(counts[index] ?? 0);
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
