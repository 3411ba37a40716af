/**
 * The relay's named rate limits, built from the configuration, and one helper
 * that turns a refusal into RATE_LIMITED with `retryAfter`. Each limit's
 * buckets come from a RateLimiterFactory: this process's memory by default,
 * Redis on nodes given --redis. Unknown events are counted per connection,
 * which lives on one node, so they always stay in memory.
 */
import type { RelayConfig } from '../config.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import type { RateLimiter, RateLimiterFactory } from './rate-limiter.js';
import { TokenBucketLimiter } from './token-bucket.js';

const inMemory: RateLimiterFactory = (_name, limit) => new TokenBucketLimiter(limit);

export class RateLimits {
  /** Socket sends, per sending account. */
  readonly send: RateLimiter;
  /** Bundle fetches, per requesting account. */
  readonly bundleRequester: RateLimiter;
  /** Bundle fetches, per target account. */
  readonly bundleTarget: RateLimiter;
  /** Unauthenticated sends, per (recipient, access key kind): accessKeyLimitKey. */
  readonly accessSend: RateLimiter;
  /** Bytes of unauthenticated sends, per (recipient, access key kind): the quota instead of the sender's. */
  readonly accessBytes: RateLimiter;
  /** Unauthenticated bundle fetches, per (target, access key kind). */
  readonly accessBundle: RateLimiter;
  /** Unauthenticated sends and bundle fetches, per client IP. */
  readonly accessAddress: RateLimiter;
  /** Unauthenticated auth requests, per client IP. */
  readonly auth: RateLimiter;
  /** Prekey uploads, per device. */
  readonly preKeyUpload: RateLimiter;
  /** Socket acks, per device. */
  readonly ack: RateLimiter;
  /** Unknown socket events, per connection. */
  readonly unknownEvent: TokenBucketLimiter;
  readonly #all: RateLimiter[];

  constructor(
    config: Pick<
      RelayConfig,
      | 'sendRate'
      | 'bundleRate'
      | 'bundleTargetRate'
      | 'accessSendRate'
      | 'accessDailyBytes'
      | 'accessBundleRate'
      | 'accessAddressRate'
      | 'authRate'
      | 'preKeyUploadRate'
      | 'ackRate'
      | 'unknownEventRate'
    >,
    limiterOf: RateLimiterFactory = inMemory,
  ) {
    this.send = limiterOf('send', config.sendRate);
    this.bundleRequester = limiterOf('bundleRequester', config.bundleRate);
    this.bundleTarget = limiterOf('bundleTarget', config.bundleTargetRate);
    this.accessSend = limiterOf('accessSend', config.accessSendRate);
    this.accessBytes = limiterOf('accessBytes', {
      perSecond: config.accessDailyBytes / 86_400,
      burst: config.accessDailyBytes,
    });
    this.accessBundle = limiterOf('accessBundle', config.accessBundleRate);
    this.accessAddress = limiterOf('accessAddress', config.accessAddressRate);
    this.auth = limiterOf('auth', config.authRate);
    this.preKeyUpload = limiterOf('preKeyUpload', config.preKeyUploadRate);
    this.ack = limiterOf('ack', config.ackRate);
    this.unknownEvent = new TokenBucketLimiter(config.unknownEventRate);
    this.#all = [
      this.send,
      this.bundleRequester,
      this.bundleTarget,
      this.accessSend,
      this.accessBytes,
      this.accessBundle,
      this.accessAddress,
      this.auth,
      this.preKeyUpload,
      this.ack,
      this.unknownEvent,
    ];
  }

  prune(): void {
    for (const limiter of this.#all) limiter.prune();
  }
}

/** The rate-limit key of one device. */
export function deviceKey(accountId: string, deviceId: number): string {
  return `${accountId}.${deviceId}`;
}

/** The rate-limit key of one access key of an account. */
export function accessKeyLimitKey(accountId: string, kind: string): string {
  return `${accountId}.${kind}`;
}

/** Spends one token of `key` or throws RATE_LIMITED naming what was limited. */
export async function enforce(limiter: RateLimiter, key: string, what: string, cost = 1): Promise<void> {
  const result = await limiter.take(key, cost);
  if (!result.ok) {
    throw new RelayServerError(
      RelayErrorCode.RateLimited,
      `too many ${what}: retry in ${result.retryAfterSeconds} s`,
      undefined,
      {
        retryAfter: result.retryAfterSeconds,
      },
    );
  }
}

/**
 * Takes `bytes` of an access key's daily quota (unauthenticated sends count
 * their bytes against the recipient's key, as no sending account is known),
 * or throws QUOTA_EXCEEDED.
 */
export async function takeAccessBytes(limits: RateLimits, capability: string, bytes: number): Promise<void> {
  const taken = await limits.accessBytes.take(capability, bytes);
  if (taken.ok) return;
  throw new RelayServerError(
    RelayErrorCode.QuotaExceeded,
    `unauthenticated sends stored as many bytes for this access key as this relay allows a day: nothing was stored; retry in ${taken.retryAfterSeconds} s`,
    undefined,
    { retryAfter: taken.retryAfterSeconds },
  );
}
