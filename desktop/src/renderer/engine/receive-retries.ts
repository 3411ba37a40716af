/**
 * Transient decrypt failures (vault busy, storage hiccup, an unreachable
 * vault): the envelopes go back into the pipeline after a backoff, up to a
 * number of tries per envelope on this connection; after that they are left
 * to the relay, which redelivers them on the next connection. Nothing here
 * acks anything.
 */
import type { Envelope } from '@parley/crypto-core/wire';
import { backoffDelay } from './backoff.js';

export class DecryptRetries {
  readonly #attempts = new Map<string, number>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private readonly options: { readonly maxDecryptRetries: number; readonly retryBaseMs: number },
    private readonly enqueue: (envelopes: Envelope[]) => void,
  ) {}

  /** Decrypt again after a delay; after too many tries, leave it to the next connection's redelivery. */
  later(envelopes: readonly Envelope[]): void {
    const again: Envelope[] = [];
    let attempt = 0;
    for (const envelope of envelopes) {
      if (envelope.ephemeral === true) continue;
      const attempts = (this.#attempts.get(envelope.id) ?? 0) + 1;
      if (attempts > this.options.maxDecryptRetries) {
        this.#attempts.delete(envelope.id);
        continue;
      }
      this.#attempts.set(envelope.id, attempts);
      attempt = Math.max(attempt, attempts);
      again.push(envelope);
    }
    if (again.length === 0) return;
    const delay = backoffDelay(
      { initialMs: this.options.retryBaseMs, maxMs: 60_000, multiplier: 2, jitter: 0.3 },
      attempt - 1,
    );
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.enqueue(again);
    }, delay);
    this.#timers.add(timer);
  }

  /** These were committed: their count starts over if they ever come back. */
  settled(envelopeIds: readonly string[]): void {
    for (const id of envelopeIds) this.#attempts.delete(id);
  }

  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
