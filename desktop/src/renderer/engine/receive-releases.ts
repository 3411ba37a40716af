/**
 * Envelope ids whose plaintext the vault may forget: committed here (or
 * ephemeral), not yet released. They ride on the next decrypt call (its
 * `release` field: one vault round trip and one vault commit for both);
 * when no decrypt is coming, `flush` sends them on their own.
 *
 * Losing this set (a crash) loses nothing but tidiness: the vault drops
 * entries never released after 45 days.
 */
import { MAX_ENVELOPES_PER_BATCH } from '@parley/crypto-core/wire';
import { describeError } from './errors.js';
import type { EngineLogger } from './logger.js';
import type { VaultGateway } from './vault-calls.js';

export class PendingReleases {
  readonly #ids = new Set<string>();

  constructor(
    private readonly vault: VaultGateway,
    private readonly logger: EngineLogger,
  ) {}

  get size(): number {
    return this.#ids.size;
  }

  add(envelopeIds: Iterable<string>): void {
    for (const id of envelopeIds) this.#ids.add(id);
  }

  /** Takes up to `max` ids, oldest first; give them back with `add` if the call carrying them failed. */
  take(max: number): string[] {
    const taken: string[] = [];
    for (const id of this.#ids) {
      if (taken.length >= max) break;
      taken.push(id);
    }
    for (const id of taken) this.#ids.delete(id);
    return taken;
  }

  /** Releases everything pending with releaseDecrypted; what fails stays pending. */
  async flush(): Promise<void> {
    while (this.#ids.size > 0) {
      const envelopeIds = this.take(MAX_ENVELOPES_PER_BATCH);
      try {
        await this.vault.call('releaseDecrypted', { envelopeIds });
      } catch (error) {
        this.add(envelopeIds);
        this.logger.warn('releaseDecrypted failed', { count: envelopeIds.length, error: describeError(error) });
        return;
      }
    }
  }
}
