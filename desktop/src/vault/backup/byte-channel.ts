/**
 * A push-to-pull bridge: vault calls push byte slices in, the backup
 * container's encrypting generator pulls them out. `push` resolves only once
 * the consumer has taken the slice, so at most one batch is in flight and
 * memory stays flat however large the export.
 */
interface Waiter {
  readonly resolve: (result: IteratorResult<Uint8Array>) => void;
  readonly reject: (error: unknown) => void;
}

export class ByteChannel implements AsyncIterable<Uint8Array> {
  #waiter: Waiter | null = null;
  #pending: { slice: Uint8Array; taken: () => void } | null = null;
  #closed = false;
  #failure: { error: unknown } | null = null;

  /** Hands `slice` to the consumer; resolves when it was taken. */
  push(slice: Uint8Array): Promise<void> {
    if (this.#closed || this.#failure !== null) return Promise.reject(new Error('the backup channel is closed'));
    return new Promise((taken) => {
      const waiter = this.#waiter;
      if (waiter !== null) {
        this.#waiter = null;
        waiter.resolve({ done: false, value: slice });
        taken();
        return;
      }
      this.#pending = { slice, taken: () => taken() };
    });
  }

  /** No more input: the consumer's loop ends (after the pending slice). */
  close(): void {
    this.#closed = true;
    this.#wake();
  }

  /** Ends the consumer's loop with `error` (the writer then removes its temporary file). */
  fail(error: unknown): void {
    this.#failure = { error };
    // A push still waiting is released: the writer's failure is what callers await.
    const pending = this.#pending;
    this.#pending = null;
    pending?.taken();
    this.#wake();
  }

  #wake(): void {
    const waiter = this.#waiter;
    if (waiter === null || this.#pending !== null) return;
    this.#waiter = null;
    if (this.#failure !== null) waiter.reject(this.#failure.error);
    else waiter.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () =>
        new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
          if (this.#failure !== null) {
            reject(this.#failure.error);
            return;
          }
          const pending = this.#pending;
          if (pending !== null) {
            this.#pending = null;
            pending.taken();
            resolve({ done: false, value: pending.slice });
            return;
          }
          if (this.#closed) {
            resolve({ done: true, value: undefined });
            return;
          }
          this.#waiter = { resolve, reject };
        }),
    };
  }
}
