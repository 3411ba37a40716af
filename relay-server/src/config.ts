/**
 * The relay's configuration: one table of options (config-options.ts), each
 * settable by a flag or a PARLEY_RELAY_* environment variable (a flag wins
 * over the environment, the environment over the default). The same table
 * drives `--help`, so the help text can never drift from what is parsed.
 *
 * Durations accept a unit (`500ms`, `60s`, `15m`, `24h`, `30d`; a bare number
 * means seconds); sizes accept `B`, `KiB`, `MiB` or `GiB` (bare: bytes).
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { MAX_ENVELOPE_CONTENT_BYTES, type RegistrationPolicy } from '@parley/crypto-core/wire';
import { isLoopbackAddress } from './auth/relay-urls.js';
import { DEFAULT_PORT, type LogLevel, OPTIONS, type OptionKey, type StoreKind } from './config-options.js';
import type { FlagValue, OptionSpec } from './config-values.js';
import type { SqliteSynchronousLevel } from './storage/index.js';

export {
  DEFAULT_PORT,
  LOG_LEVELS,
  type LogLevel,
  OPTIONS,
  type OptionKey,
  REGISTRATION_POLICIES,
  STORE_KINDS,
  type StoreKind,
} from './config-options.js';
export { type FlagValue, parseDuration, parseSize } from './config-values.js';
export type SqliteSynchronous = SqliteSynchronousLevel;

export interface RateLimit {
  /** Sustained rate, in requests per second. */
  readonly perSecond: number;
  /** Requests allowed at once after a quiet period (bucket size). */
  readonly burst: number;
}

export interface RelayConfig {
  readonly host: string;
  /** 0 picks a free port; the bound URL is logged at start. */
  readonly port: number;
  /**
   * Canonical URLs clients use to reach this relay; challenge signatures must
   * cover one of them. Empty: derived from the listen address at start.
   */
  readonly publicUrls: readonly string[];
  /** Who may create an account: the option, or the default for where the relay listens. */
  readonly registration: RegistrationPolicy;
  /** True when `registration` is the default (no flag or variable chose it). */
  readonly registrationIsDefault: boolean;
  /** Lifetime of an invite code made by `parley-relay invite`. */
  readonly inviteTtlMs: number;
  /** Absolute path of the data folder (database, JWT secret, sealed-sender keys). */
  readonly dataDir: string;
  /** Absolute path of the attachment blob folder (default: `blobs` in the data folder). */
  readonly blobDir: string;
  readonly store: StoreKind;
  /** PostgreSQL URL when `store` is postgres (may hold a password: never log it). */
  readonly postgresUrl: string | undefined;
  /** Schema for the relay's tables; undefined: the connection's search_path. */
  readonly postgresSchema: string | undefined;
  /** Redis URL for cross-node wake-ups and shared rate limits; only with PostgreSQL (may hold a password). */
  readonly redisUrl: string | undefined;
  /** Prefix of the relay's Redis keys and channels. */
  readonly redisPrefix: string;
  readonly sqliteSynchronous: SqliteSynchronous;
  readonly logLevel: LogLevel;
  /** Value of the JWT `iss` claim; nodes sharing a secret must share it too. */
  readonly issuer: string;
  /** base64 HS256 secret from the environment (several nodes); otherwise kept in the data folder. */
  readonly jwtSecret: string | undefined;
  readonly envelopeTtlMs: number;
  readonly sweepIntervalMs: number;
  readonly challengeTtlMs: number;
  readonly tokenTtlMs: number;
  readonly senderCertificateTtlMs: number;
  /** Largest ciphertext accepted for one device (decoded bytes). */
  readonly maxEnvelopeBytes: number;
  /** Largest attachment (plaintext bytes) an upload may hold; blobs are limited to its ciphertext length. */
  readonly maxAttachmentBytes: number;
  /** Envelopes queued for one device, at most. */
  readonly maxQueueEnvelopes: number;
  /** Decoded ciphertext bytes queued for one device, at most. */
  readonly maxQueueBytes: number;
  /** Decoded ciphertext bytes one account may store through sends per UTC day. */
  readonly dailySendBytes: number;
  /** One-time EC prekeys stored for one device, at most. */
  readonly maxPreKeys: number;
  /** One-time Kyber prekeys stored for one device, at most. */
  readonly maxKyberPreKeys: number;
  readonly sendRate: RateLimit;
  /** Bundle fetches per requesting account. */
  readonly bundleRate: RateLimit;
  /** Bundle fetches per target account (protects its one-time prekeys from being drained). */
  readonly bundleTargetRate: RateLimit;
  /** Unauthenticated sends per (recipient account, access key kind). */
  readonly accessSendRate: RateLimit;
  /** Decoded bytes unauthenticated sends may store per (recipient, key kind) per day (a bucket refilling over 24 h). */
  readonly accessDailyBytes: number;
  /** Unauthenticated bundle fetches per (target account, access key kind). */
  readonly accessBundleRate: RateLimit;
  /** Unauthenticated sends and bundle fetches per client IP. */
  readonly accessAddressRate: RateLimit;
  /** Unauthenticated requests (challenge, token, register) per client IP. */
  readonly authRate: RateLimit;
  /** Prekey uploads per device. */
  readonly preKeyUploadRate: RateLimit;
  /** Socket acks per device. */
  readonly ackRate: RateLimit;
  /** Unknown socket events per connection; past it the connection is closed. */
  readonly unknownEventRate: RateLimit;
  /** Open connections per client address (see the option's description). */
  readonly maxConnectionsPerIp: number;
  /** Time to receive a whole HTTP request. */
  readonly requestTimeoutMs: number;
  /** Time to receive an HTTP request's headers. */
  readonly headersTimeoutMs: number;
  /** Idle time after which a keep-alive HTTP connection is closed. */
  readonly keepAliveTimeoutMs: number;
  /** `prekeys-low` is sent when a device's one-time EC or Kyber prekeys fall below this. */
  readonly preKeysLowThreshold: number;
  /** Envelopes pushed to one connection and not yet acknowledged, at most (flow control). */
  readonly deliveryWindow: number;
  /** Trust X-Forwarded-For (behind a reverse proxy), so per-IP limits see the real client. */
  readonly trustProxy: boolean;
}

const DAY = 86_400_000;
const MiB = 1024 * 1024;

/** Where the data folder goes by default: ./.data/relay under the folder the command was started from. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  // npm runs workspace scripts inside the workspace; INIT_CWD is where the user typed the command.
  const base = env.INIT_CWD && isAbsolute(env.INIT_CWD) ? env.INIT_CWD : cwd;
  return resolve(base, '.data', 'relay');
}

/**
 * The registration policy when none is configured: `open` only for a relay
 * nobody else can reach (listening on loopback, with no public URL beyond
 * loopback and no proxy in front), `invite` otherwise, so a relay put on a
 * network never lets strangers fill it by default.
 */
export function defaultRegistrationPolicy(
  host: string,
  publicUrls: readonly string[],
  trustProxy: boolean,
): RegistrationPolicy {
  const private_ =
    isLoopbackAddress(host) && !trustProxy && publicUrls.every((url) => isLoopbackAddress(new URL(url).hostname));
  return private_ ? 'open' : 'invite';
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The texts to parse for one option: the flag's (all of them when repeated), else the environment's. */
function rawValues(fromFlag: FlagValue | undefined, fromEnv: string | undefined): readonly string[] {
  if (fromFlag === true) return ['true'];
  if (fromFlag === false) return [];
  if (fromFlag === undefined) return fromEnv === undefined ? [] : [fromEnv];
  return typeof fromFlag === 'string' ? [fromFlag] : fromFlag;
}

/** The store kind and its URL: --postgres chooses PostgreSQL, and no other store goes with it. */
function storeOf(
  store: StoreKind | undefined,
  postgresUrl: string | undefined,
): { store: StoreKind; postgresUrl: string | undefined } {
  if (postgresUrl === undefined) {
    if (store === 'postgres')
      throw new ConfigError('--store postgres needs --postgres URL (PARLEY_RELAY_POSTGRES_URL)');
    return { store: store ?? 'sqlite', postgresUrl };
  }
  if (store !== undefined && store !== 'postgres') {
    throw new ConfigError(`--postgres keeps the relay's data in PostgreSQL, so --store ${store} cannot go with it`);
  }
  return { store: 'postgres', postgresUrl };
}

/** Redis serves nodes that share a PostgreSQL store; a single SQLite or memory relay has nothing to wake. */
function redisOf(redisUrl: string | undefined, hasPostgres: boolean): string | undefined {
  if (redisUrl !== undefined && !hasPostgres) {
    throw new ConfigError(
      '--redis needs --postgres URL (PARLEY_RELAY_POSTGRES_URL): Redis connects nodes sharing one PostgreSQL',
    );
  }
  return redisUrl;
}

/** Builds the configuration from flag values (strings, several for repeatable flags, or true for switches) and the environment. */
export function resolveConfig(
  flags: Readonly<Partial<Record<OptionKey, FlagValue>>>,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): RelayConfig {
  const values = new Map<OptionKey, unknown>();
  for (const key of Object.keys(OPTIONS) as OptionKey[]) {
    const spec: OptionSpec = OPTIONS[key];
    const fromFlag = flags[key];
    const parsedValues: unknown[] = [];
    for (const raw of rawValues(fromFlag, env[spec.env])) {
      if (raw === '') continue;
      const parsed = spec.parse(raw);
      if (!parsed.ok) {
        const source = fromFlag !== undefined ? `--${spec.flag}` : spec.env;
        const got = spec.secret ? '' : ` (got ${JSON.stringify(raw)})`;
        throw new ConfigError(`${source} ${parsed.reason}${got}`);
      }
      parsedValues.push(parsed.value);
    }
    if (parsedValues.length === 0) continue;
    values.set(key, spec.repeatable ? [...new Set(parsedValues.flat())] : parsedValues.at(-1));
  }
  const get = <T>(key: OptionKey, fallback: T): T => (values.has(key) ? (values.get(key) as T) : fallback);
  /** A rate limit whose rate option counts per minute. */
  const perMinute = (rate: OptionKey, ratePerMinute: number, burst: OptionKey, burstDefault: number): RateLimit => ({
    perSecond: get(rate, ratePerMinute) / 60,
    burst: get(burst, burstDefault),
  });
  const dataDirText = get<string | undefined>('dataDir', undefined);
  const base = env.INIT_CWD && isAbsolute(env.INIT_CWD) ? env.INIT_CWD : cwd;
  /** A folder as the user typed it: relative to where the command was run, `~` for the home folder. */
  const userPath = (text: string): string => resolve(base, text.replace(/^~(?=$|\/)/, homedir()));
  const dataDir = dataDirText === undefined ? defaultDataDir(env, cwd) : userPath(dataDirText);
  const blobDirText = get<string | undefined>('blobDir', undefined);
  const blobDir = blobDirText === undefined ? join(dataDir, 'blobs') : userPath(blobDirText);
  const host = get('host', '127.0.0.1');
  const publicUrls = get<readonly string[]>('publicUrls', []);
  const trustProxy = get('trustProxy', false);
  const registration = get<RegistrationPolicy | undefined>('registration', undefined);
  const requestTimeoutMs = get('requestTimeoutMs', 30_000);
  const headersTimeoutMs = get('headersTimeoutMs', 10_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError('--headers-timeout must not be longer than --request-timeout');
  }
  return {
    host,
    port: get('port', DEFAULT_PORT),
    publicUrls,
    registration: registration ?? defaultRegistrationPolicy(host, publicUrls, trustProxy),
    registrationIsDefault: registration === undefined,
    inviteTtlMs: get('inviteTtlMs', 7 * DAY),
    dataDir,
    blobDir,
    ...storeOf(get<StoreKind | undefined>('store', undefined), get<string | undefined>('postgresUrl', undefined)),
    postgresSchema: get<string | undefined>('postgresSchema', undefined),
    redisUrl: redisOf(get<string | undefined>('redisUrl', undefined), values.has('postgresUrl')),
    redisPrefix: get('redisPrefix', 'parley:'),
    sqliteSynchronous: get<SqliteSynchronous>('sqliteSynchronous', 'FULL'),
    logLevel: get<LogLevel>('logLevel', 'info'),
    issuer: get('issuer', 'parley-relay'),
    jwtSecret: get<string | undefined>('jwtSecret', undefined),
    envelopeTtlMs: get('envelopeTtlMs', 30 * DAY),
    sweepIntervalMs: get('sweepIntervalMs', 10 * 60_000),
    challengeTtlMs: get('challengeTtlMs', 60_000),
    tokenTtlMs: get('tokenTtlMs', 15 * 60_000),
    senderCertificateTtlMs: get('senderCertificateTtlMs', DAY),
    maxEnvelopeBytes: get('maxEnvelopeBytes', MAX_ENVELOPE_CONTENT_BYTES),
    maxAttachmentBytes: get('maxAttachmentBytes', 100 * MiB),
    maxQueueEnvelopes: get('maxQueueEnvelopes', 20_000),
    maxQueueBytes: get('maxQueueBytes', 100 * MiB),
    dailySendBytes: get('dailySendBytes', 512 * MiB),
    maxPreKeys: get('maxPreKeys', 500),
    maxKyberPreKeys: get('maxKyberPreKeys', 500),
    sendRate: { perSecond: get('sendRatePerSecond', 30), burst: get('sendBurst', 300) },
    bundleRate: perMinute('bundleRatePerMinute', 60, 'bundleBurst', 100),
    bundleTargetRate: perMinute('bundleTargetRatePerMinute', 30, 'bundleTargetBurst', 50),
    accessSendRate: perMinute('accessSendRatePerMinute', 600, 'accessSendBurst', 200),
    accessDailyBytes: get('accessDailyBytes', 100 * MiB),
    accessBundleRate: perMinute('accessBundleRatePerMinute', 20, 'accessBundleBurst', 30),
    accessAddressRate: perMinute('accessAddressRatePerMinute', 600, 'accessAddressBurst', 300),
    authRate: perMinute('authRatePerMinute', 120, 'authBurst', 60),
    preKeyUploadRate: perMinute('preKeyUploadRatePerMinute', 10, 'preKeyUploadBurst', 20),
    ackRate: { perSecond: get('ackRatePerSecond', 200), burst: get('ackBurst', 2000) },
    unknownEventRate: {
      perSecond: get<number>('unknownEventRatePerMinute', 1) / 60,
      burst: get('unknownEventBurst', 10),
    },
    maxConnectionsPerIp: get('maxConnectionsPerIp', 256),
    requestTimeoutMs,
    headersTimeoutMs,
    keepAliveTimeoutMs: get('keepAliveTimeoutMs', 72_000),
    preKeysLowThreshold: get('preKeysLowThreshold', 10),
    deliveryWindow: get('deliveryWindow', 1000),
    trustProxy,
  };
}

/**
 * `--help`: every option with its flag, environment variable and default,
 * and the registration policy the given flags and environment come to
 * (when they parse).
 */
export function helpText(registration?: RegistrationPolicy): string {
  const lines = [
    'parley-relay: the Parley relay (stores and forwards end-to-end encrypted envelopes)',
    '',
    'Usage: parley-relay [options]              (or: npm run relay -- [options])',
    '       parley-relay invite [--count N] [options]',
    '           makes N one-time invite codes (default 1) in the data folder, also while the relay runs,',
    '           and prints them, one per line; they expire after --invite-ttl',
    '       parley-relay migrate-to-postgres --data-dir DIR --postgres URL [--postgres-schema NAME]',
    '           copies a stopped SQLite relay (DIR/relay.sqlite) into an empty PostgreSQL schema in one',
    "           transaction, prints every table's row count on both sides and commits only when all match",
    '',
    'Options (flag, environment variable, default):',
  ];
  for (const spec of Object.values(OPTIONS) as OptionSpec[]) {
    const flag = spec.valueName ? `--${spec.flag} ${spec.valueName}` : `--${spec.flag}`;
    lines.push(`  ${flag}`);
    lines.push(`      ${spec.description}`);
    lines.push(`      env ${spec.env}; default ${spec.defaultText}`);
  }
  lines.push('  --help, -h');
  lines.push('      print this help and exit');
  lines.push('');
  lines.push('Durations take a unit (500ms, 60s, 15m, 24h, 30d; bare numbers are seconds).');
  lines.push('Sizes take B, KiB, MiB or GiB (bare numbers are bytes).');
  lines.push('SIGTERM or SIGINT stops the relay gracefully: pending sends are committed and acknowledged first.');
  if (registration !== undefined) {
    lines.push(`Registration policy with these flags and this environment: ${registration}.`);
  }
  return `${lines.join('\n')}\n`;
}
