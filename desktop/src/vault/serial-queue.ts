/**
 * Runs the vault's operations one at a time, in call order. The durable store
 * stages the writes of one operation in memory and commits them together
 * (durable-records.ts); two operations interleaving at an `await` would mix
 * their staged writes, so nothing that touches the store may overlap.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(operation, operation);
    // The queue continues after a failure; the caller still sees the error.
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
