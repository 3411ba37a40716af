/**
 * The in-memory store's authentication challenges: one attempt each, gone
 * once presented (whoever presents it), swept once expired.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type { StoredChallenge } from './relay-store.js';
import { assertCanonicalBase64 } from './store-input.js';

export class MemoryChallenges {
  readonly #challenges = new Map<string, StoredChallenge>();

  put(challenge: StoredChallenge): void {
    assertCanonicalBase64(challenge.challenge, 'challenge');
    this.#challenges.set(challenge.challenge, { ...challenge });
  }

  consume(challenge: string, accountId: AccountId, deviceId: number, now: number): boolean {
    const stored = this.#challenges.get(challenge);
    if (stored === undefined) return false;
    // Presenting a challenge burns it, whoever presents it: one attempt per challenge.
    this.#challenges.delete(challenge);
    return stored.accountId === accountId && stored.deviceId === deviceId && stored.expiresAt > now;
  }

  deleteExpired(now: number): number {
    let removed = 0;
    for (const [key, stored] of this.#challenges) {
      if (stored.expiresAt <= now) {
        this.#challenges.delete(key);
        removed++;
      }
    }
    return removed;
  }

  /** Forgets every challenge issued to a (deleted) account. */
  deleteOf(accountId: AccountId): void {
    for (const [key, challenge] of this.#challenges) {
      if (challenge.accountId === accountId) this.#challenges.delete(key);
    }
  }
}
