/**
 * Open connections per client address, at most `max` at a time. A slot is
 * taken when a connection (or, behind a proxy, a websocket or an HTTP
 * request) opens and given back when it ends; addresses with nothing open
 * are forgotten, so memory follows what is open now.
 */
export class ConnectionLimiter {
  readonly #open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Takes a slot for `address`; false (nothing taken) when it has `max` open already. */
  tryAcquire(address: string): boolean {
    const open = this.#open.get(address) ?? 0;
    if (open >= this.max) return false;
    this.#open.set(address, open + 1);
    return true;
  }

  release(address: string): void {
    const open = this.#open.get(address) ?? 0;
    if (open <= 1) this.#open.delete(address);
    else this.#open.set(address, open - 1);
  }

  /** Slots `address` holds now. */
  openFor(address: string): number {
    return this.#open.get(address) ?? 0;
  }
}
