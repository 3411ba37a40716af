/**
 * The periodic sweep: deletes envelopes past their TTL (counted in
 * parley_relay_envelopes_expired_total), attachment blobs past theirs, expired challenges and invite
 * codes, and the send usage of past days, and prunes idle rate-limit buckets. Runs once at start and then every interval; a
 * failed sweep is logged and retried at the next tick.
 */
import type { RelayContext } from './context.js';

export class Sweeper {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | null = null;

  constructor(private readonly ctx: RelayContext) {}

  start(): void {
    this.#timer = setInterval(() => void this.sweep(), this.ctx.config.sweepIntervalMs);
    this.#timer.unref();
    void this.sweep();
  }

  async sweep(): Promise<void> {
    if (this.#running !== null) return this.#running;
    this.#running = this.#sweepOnce().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  async #sweepOnce(): Promise<void> {
    const now = Date.now();
    try {
      const expired = await this.ctx.store.deleteExpiredEnvelopes(now);
      const challenges = await this.ctx.store.deleteExpiredChallenges(now);
      const invites = await this.ctx.store.deleteExpiredInvites(now);
      await this.ctx.store.deleteExpiredSendUsage(now);
      const blobs = await this.ctx.blobs.sweep(now);
      this.ctx.limits.prune();
      this.ctx.metrics.envelopesExpired.inc(expired);
      if (expired > 0 || challenges > 0 || invites > 0 || blobs.blobs > 0) {
        this.ctx.logger.info(
          { expired, challenges, invites, blobs: blobs.blobs, blobBytes: blobs.bytes },
          'sweep removed expired data',
        );
      }
    } catch (error) {
      this.ctx.logger.error({ err: error }, 'sweep failed');
    }
  }
}
