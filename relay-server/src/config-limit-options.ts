/**
 * The relay's limit options, in --help order after the base options of
 * config-options.ts (which spreads them into OPTIONS): what one envelope, one
 * queue, one account's day of sends and one device's prekeys may hold, then
 * the rate limits, each a sustained rate and a burst (resolveConfig in
 * config.ts puts each pair together).
 */

import { MAX_ATTACHMENT_BYTES } from '@parley/crypto-core/attachment';
import { MAX_DEVICES_PER_SEND, MAX_ENVELOPE_CONTENT_BYTES, MAX_PREKEYS_PER_UPLOAD } from '@parley/crypto-core/wire';
import { integer, type OptionSpec, positiveNumber, size } from './config-values.js';

/** The largest legal send: 16 devices at the largest envelope. A daily quota below it could refuse one send forever. */
const LARGEST_SEND_BYTES = MAX_DEVICES_PER_SEND * MAX_ENVELOPE_CONTENT_BYTES;

/** Sizes and counts: envelopes, queues, the daily send quota, stored prekeys. */
export const CAPACITY_OPTIONS = {
  maxEnvelopeBytes: {
    flag: 'max-envelope-size',
    env: 'PARLEY_RELAY_MAX_ENVELOPE_SIZE',
    valueName: 'SIZE',
    defaultText: `${MAX_ENVELOPE_CONTENT_BYTES / 1024}KiB`,
    description: `largest ciphertext for one device (at most ${MAX_ENVELOPE_CONTENT_BYTES / 1024}KiB, the wire limit)`,
    parse: size(1, MAX_ENVELOPE_CONTENT_BYTES),
  },
  maxAttachmentBytes: {
    flag: 'max-attachment-bytes',
    env: 'PARLEY_RELAY_MAX_ATTACHMENT_BYTES',
    valueName: 'SIZE',
    defaultText: '100MiB',
    description:
      'largest attachment (file) an upload may hold; the blob limit is the padded, encrypted size of such a file; a larger upload is refused with PAYLOAD_TOO_LARGE',
    parse: size(1, MAX_ATTACHMENT_BYTES),
  },
  maxQueueEnvelopes: {
    flag: 'max-queue-envelopes',
    env: 'PARLEY_RELAY_MAX_QUEUE_ENVELOPES',
    valueName: 'N',
    defaultText: '20000',
    description: 'undelivered envelopes kept for one device; a send beyond it is refused with QUEUE_FULL',
    parse: integer(100, 100_000_000),
  },
  maxQueueBytes: {
    flag: 'max-queue-size',
    env: 'PARLEY_RELAY_MAX_QUEUE_SIZE',
    valueName: 'SIZE',
    defaultText: '100MiB',
    description: 'undelivered ciphertext bytes kept for one device; a send beyond it is refused with QUEUE_FULL',
    parse: size(MAX_ENVELOPE_CONTENT_BYTES, 1024 ** 4),
  },
  dailySendBytes: {
    flag: 'daily-send-quota',
    env: 'PARLEY_RELAY_DAILY_SEND_QUOTA',
    valueName: 'SIZE',
    defaultText: '512MiB',
    description:
      'ciphertext bytes one account may store through sends and attachment uploads per UTC day (every addressed device counts); beyond it QUOTA_EXCEEDED',
    parse: size(LARGEST_SEND_BYTES, 1024 ** 4),
  },
  maxPreKeys: {
    flag: 'max-prekeys',
    env: 'PARLEY_RELAY_MAX_PREKEYS',
    valueName: 'N',
    defaultText: '500',
    description: 'one-time EC prekeys kept for one device; an upload beyond it is refused with TOO_MANY_PREKEYS',
    parse: integer(MAX_PREKEYS_PER_UPLOAD, 100_000),
  },
  maxKyberPreKeys: {
    flag: 'max-kyber-prekeys',
    env: 'PARLEY_RELAY_MAX_KYBER_PREKEYS',
    valueName: 'N',
    defaultText: '500',
    description: 'one-time Kyber prekeys kept for one device; an upload beyond it is refused with TOO_MANY_PREKEYS',
    parse: integer(MAX_PREKEYS_PER_UPLOAD, 100_000),
  },
} as const satisfies Record<string, OptionSpec>;

/** Token buckets: sends, bundle fetches, unauthenticated access, auth, uploads, acks, unknown events. */
export const RATE_OPTIONS = {
  sendRatePerSecond: {
    flag: 'send-rate',
    env: 'PARLEY_RELAY_SEND_RATE',
    valueName: 'N',
    defaultText: '30',
    description: 'sends per second per account, sustained',
    parse: positiveNumber,
  },
  sendBurst: {
    flag: 'send-burst',
    env: 'PARLEY_RELAY_SEND_BURST',
    valueName: 'N',
    defaultText: '300',
    description: 'sends per account allowed at once',
    parse: integer(1, 1_000_000),
  },
  bundleRatePerMinute: {
    flag: 'bundle-rate',
    env: 'PARLEY_RELAY_BUNDLE_RATE',
    valueName: 'N',
    defaultText: '60',
    description: 'bundle fetches per minute per requesting account, sustained',
    parse: positiveNumber,
  },
  bundleBurst: {
    flag: 'bundle-burst',
    env: 'PARLEY_RELAY_BUNDLE_BURST',
    valueName: 'N',
    defaultText: '100',
    description: 'bundle fetches per requesting account allowed at once',
    parse: integer(1, 1_000_000),
  },
  bundleTargetRatePerMinute: {
    flag: 'bundle-target-rate',
    env: 'PARLEY_RELAY_BUNDLE_TARGET_RATE',
    valueName: 'N',
    defaultText: '30',
    description: 'bundle fetches per minute of one target account, sustained (all requesters together)',
    parse: positiveNumber,
  },
  bundleTargetBurst: {
    flag: 'bundle-target-burst',
    env: 'PARLEY_RELAY_BUNDLE_TARGET_BURST',
    valueName: 'N',
    defaultText: '50',
    description: 'bundle fetches of one target account allowed at once',
    parse: integer(1, 1_000_000),
  },
  accessSendRatePerMinute: {
    flag: 'access-send-rate',
    env: 'PARLEY_RELAY_ACCESS_SEND_RATE',
    valueName: 'N',
    defaultText: '600',
    description:
      'unauthenticated sends (POST /v1/messages) per minute per recipient access key (code or contact key of one account), sustained',
    parse: positiveNumber,
  },
  accessSendBurst: {
    flag: 'access-send-burst',
    env: 'PARLEY_RELAY_ACCESS_SEND_BURST',
    valueName: 'N',
    defaultText: '200',
    description: 'unauthenticated sends per recipient access key allowed at once',
    parse: integer(1, 1_000_000),
  },
  accessDailyBytes: {
    flag: 'access-daily-quota',
    env: 'PARLEY_RELAY_ACCESS_DAILY_QUOTA',
    valueName: 'SIZE',
    defaultText: '100MiB',
    description:
      'ciphertext bytes unauthenticated sends may store per recipient access key per day (a bucket refilling over 24 h); beyond it QUOTA_EXCEEDED',
    parse: size(LARGEST_SEND_BYTES, 1024 ** 4),
  },
  accessBundleRatePerMinute: {
    flag: 'access-bundle-rate',
    env: 'PARLEY_RELAY_ACCESS_BUNDLE_RATE',
    valueName: 'N',
    defaultText: '20',
    description: 'unauthenticated bundle fetches per minute per target access key, sustained',
    parse: positiveNumber,
  },
  accessBundleBurst: {
    flag: 'access-bundle-burst',
    env: 'PARLEY_RELAY_ACCESS_BUNDLE_BURST',
    valueName: 'N',
    defaultText: '30',
    description: 'unauthenticated bundle fetches per target access key allowed at once',
    parse: integer(1, 1_000_000),
  },
  accessAddressRatePerMinute: {
    flag: 'access-ip-rate',
    env: 'PARLEY_RELAY_ACCESS_IP_RATE',
    valueName: 'N',
    defaultText: '600',
    description:
      'unauthenticated sends and bundle fetches per minute per client IP, sustained (checked before the key)',
    parse: positiveNumber,
  },
  accessAddressBurst: {
    flag: 'access-ip-burst',
    env: 'PARLEY_RELAY_ACCESS_IP_BURST',
    valueName: 'N',
    defaultText: '300',
    description: 'unauthenticated sends and bundle fetches per client IP allowed at once',
    parse: integer(1, 1_000_000),
  },
  authRatePerMinute: {
    flag: 'auth-rate',
    env: 'PARLEY_RELAY_AUTH_RATE',
    valueName: 'N',
    defaultText: '120',
    description: 'challenge, token and register requests per minute per client IP, sustained',
    parse: positiveNumber,
  },
  authBurst: {
    flag: 'auth-burst',
    env: 'PARLEY_RELAY_AUTH_BURST',
    valueName: 'N',
    defaultText: '60',
    description: 'challenge, token and register requests per client IP allowed at once',
    parse: integer(1, 1_000_000),
  },
  preKeyUploadRatePerMinute: {
    flag: 'prekey-upload-rate',
    env: 'PARLEY_RELAY_PREKEY_UPLOAD_RATE',
    valueName: 'N',
    defaultText: '10',
    description: 'prekey uploads per minute per device, sustained',
    parse: positiveNumber,
  },
  preKeyUploadBurst: {
    flag: 'prekey-upload-burst',
    env: 'PARLEY_RELAY_PREKEY_UPLOAD_BURST',
    valueName: 'N',
    defaultText: '20',
    description: 'prekey uploads per device allowed at once',
    parse: integer(1, 1_000_000),
  },
  ackRatePerSecond: {
    flag: 'ack-rate',
    env: 'PARLEY_RELAY_ACK_RATE',
    valueName: 'N',
    defaultText: '200',
    description: 'acks (of up to 100 envelopes each) per second per device, sustained',
    parse: positiveNumber,
  },
  ackBurst: {
    flag: 'ack-burst',
    env: 'PARLEY_RELAY_ACK_BURST',
    valueName: 'N',
    defaultText: '2000',
    description: 'acks per device allowed at once',
    parse: integer(1, 1_000_000),
  },
  unknownEventRatePerMinute: {
    flag: 'unknown-event-rate',
    env: 'PARLEY_RELAY_UNKNOWN_EVENT_RATE',
    valueName: 'N',
    defaultText: '1',
    description: 'unknown socket events per minute per connection, sustained; a connection beyond it is closed',
    parse: positiveNumber,
  },
  unknownEventBurst: {
    flag: 'unknown-event-burst',
    env: 'PARLEY_RELAY_UNKNOWN_EVENT_BURST',
    valueName: 'N',
    defaultText: '10',
    description: 'unknown socket events per connection allowed at once',
    parse: integer(1, 1_000_000),
  },
} as const satisfies Record<string, OptionSpec>;
