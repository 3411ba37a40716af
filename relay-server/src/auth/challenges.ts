/**
 * Authentication challenges: 32 random bytes, bound to one (account, device),
 * single use, short-lived. They live in the store rather than in memory so
 * that any node of a scaled-out relay can verify a challenge another issued.
 * Consuming is atomic, so a challenge can never be redeemed twice, and a
 * failed attempt burns it too: a signature cannot be retried against it.
 */
import { randomBytes } from 'node:crypto';
import { type AccountId, CHALLENGE_BYTES, type ChallengeResponse } from '@parley/crypto-core/wire';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import type { RelayStore } from '../storage/relay-store.js';

export class ChallengeService {
  constructor(
    private readonly store: RelayStore,
    private readonly ttlMs: number,
  ) {}

  async issue(accountId: AccountId, deviceId: number): Promise<ChallengeResponse> {
    const challenge = randomBytes(CHALLENGE_BYTES).toString('base64');
    const expiresAt = Date.now() + this.ttlMs;
    await this.store.putChallenge({ challenge, accountId, deviceId, expiresAt });
    return { challenge, expiresAt };
  }

  /** Redeems a challenge for (account, device) or throws CHALLENGE_INVALID (unknown, used, expired or someone else's). */
  async consume(challenge: string, accountId: AccountId, deviceId: number): Promise<void> {
    const valid = await this.store.consumeChallenge(challenge, accountId, deviceId, Date.now());
    if (!valid) {
      throw new RelayServerError(RelayErrorCode.ChallengeInvalid, 'the challenge is unknown, already used or expired');
    }
  }
}
