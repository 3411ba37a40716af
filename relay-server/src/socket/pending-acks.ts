/**
 * Acknowledgements still being applied (a delete in the store), so a graceful
 * shutdown can let them finish before it closes the sockets and the store.
 */
export class PendingAcks {
  readonly #pending = new Set<Promise<unknown>>();
  track<T>(work: Promise<T>): Promise<T> {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work)).catch(() => undefined);
    return work;
  }
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}
