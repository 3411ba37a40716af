/**
 * The relay's named rate limits, built from the configuration, and one helper
 * that turns a refusal into RATE_LIMITED with `retryAfter`.
 */
import type { RelayConfig } from '../config.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import { TokenBucketLimiter } from './token-bucket.js';

export class RateLimits {
  /** Socket sends, per sending account. */
  readonly send: TokenBucketLimiter;
  /** Bundle fetches, per requesting account. */
  readonly bundleRequester: TokenBucketLimiter;
  /** Bundle fetches, per target account. */
  readonly bundleTarget: TokenBucketLimiter;
  /** Unauthenticated sends, per (recipient, access key kind): accessKeyLimitKey. */
  readonly accessSend: TokenBucketLimiter;
  /** Bytes of unauthenticated sends, per (recipient, access key kind): the quota instead of the sender's. */
  readonly accessBytes: TokenBucketLimiter;
  /** Unauthenticated bundle fetches, per (target, access key kind). */
  readonly accessBundle: TokenBucketLimiter;
  /** Unauthenticated sends and bundle fetches, per client IP. */
  readonly accessAddress: TokenBucketLimiter;
  /** Unauthenticated auth requests, per client IP. */
  readonly auth: TokenBucketLimiter;
  /** Prekey uploads, per device. */
  readonly preKeyUpload: TokenBucketLimiter;
  /** Socket acks, per device. */
  readonly ack: TokenBucketLimiter;
  /** Unknown socket events, per connection. */
  readonly unknownEvent: TokenBucketLimiter;

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
  ) {
    this.send = new TokenBucketLimiter(config.sendRate);
    this.bundleRequester = new TokenBucketLimiter(config.bundleRate);
    this.bundleTarget = new TokenBucketLimiter(config.bundleTargetRate);
    this.accessSend = new TokenBucketLimiter(config.accessSendRate);
    this.accessBytes = new TokenBucketLimiter({
      perSecond: config.accessDailyBytes / 86_400,
      burst: config.accessDailyBytes,
    });
    this.accessBundle = new TokenBucketLimiter(config.accessBundleRate);
    this.accessAddress = new TokenBucketLimiter(config.accessAddressRate);
    this.auth = new TokenBucketLimiter(config.authRate);
    this.preKeyUpload = new TokenBucketLimiter(config.preKeyUploadRate);
    this.ack = new TokenBucketLimiter(config.ackRate);
    this.unknownEvent = new TokenBucketLimiter(config.unknownEventRate);
  }

  prune(): void {
    for (const limiter of [
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
    ]) {
      limiter.prune();
    }
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
export function enforce(limiter: TokenBucketLimiter, key: string, what: string, cost = 1): void {
  const result = limiter.take(key, cost);
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
