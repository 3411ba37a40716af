/**
 * The number of own texts waiting in the outbox, kept current for the
 * connection bar ("3 messages will send when you're back"). Recounts are
 * coalesced: however many changes arrive during a count, one more follows.
 */
import { Observable } from './observable.js';
import type { OutboxQueue } from './outbox-queue.js';

export class QueuedCount {
  readonly count = new Observable(0);
  #counting: Promise<void> | null = null;
  #again = false;
  #stopped = false;

  constructor(private readonly queue: OutboxQueue) {}

  /** The outbox may have changed. */
  refresh(): void {
    if (this.#stopped) return;
    if (this.#counting !== null) {
      this.#again = true;
      return;
    }
    this.#counting = this.queue
      .queuedTexts()
      .then((count) => {
        if (!this.#stopped) this.count.set(count);
      })
      .catch(() => {
        // The database closed under us (stopping): nothing to show.
      })
      .finally(() => {
        this.#counting = null;
        if (this.#again) {
          this.#again = false;
          this.refresh();
        }
      });
  }

  stop(): void {
    this.#stopped = true;
  }
}
