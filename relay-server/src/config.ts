/**
 * The relay's configuration: one table of options, each settable by a flag or
 * a PARLEY_RELAY_* environment variable (a flag wins over the environment,
 * the environment over the default). The same table drives `--help`, so the
 * help text can never drift from what is parsed.
 *
 * Durations accept a unit (`500ms`, `60s`, `15m`, `24h`, `30d`; a bare number
 * means seconds); sizes accept `B`, `KiB` or `MiB` (bare: bytes).
 */
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { MAX_ENVELOPE_CONTENT_BYTES, MAX_ENVELOPE_TTL_MS, normalizeRelayUrl } from '@parley/crypto-core/wire';
import { SQLITE_SYNCHRONOUS_LEVELS, type SqliteSynchronousLevel } from './storage/index.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type SqliteSynchronous = SqliteSynchronousLevel;
export const STORE_KINDS = ['sqlite', 'memory'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** Default port: unassigned by IANA, clear of the usual 8080/8443 clashes. Plain HTTP; put TLS in front. */
export const DEFAULT_PORT = 7447;

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
  /** Absolute path of the data folder (database, JWT secret, sealed-sender keys). */
  readonly dataDir: string;
  readonly store: StoreKind;
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
  readonly sendRate: RateLimit;
  /** Bundle fetches per requesting account. */
  readonly bundleRate: RateLimit;
  /** Bundle fetches per target account (protects its one-time prekeys from being drained). */
  readonly bundleTargetRate: RateLimit;
  /** Unauthenticated requests (challenge, token, register) per client IP. */
  readonly authRate: RateLimit;
  /** `prekeys-low` is sent when a device's one-time EC or Kyber prekeys fall below this. */
  readonly preKeysLowThreshold: number;
  /** Envelopes pushed to one connection and not yet acknowledged, at most (flow control). */
  readonly deliveryWindow: number;
  /** Trust X-Forwarded-For (behind a reverse proxy), so per-IP limits see the real client. */
  readonly trustProxy: boolean;
}

type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

interface OptionSpec {
  /** Long flag name without the dashes. */
  readonly flag: string;
  readonly env: string;
  /** Placeholder shown in --help; undefined for boolean switches. */
  readonly valueName?: string;
  readonly defaultText: string;
  readonly description: string;
  /** The flag may be given several times; every value is parsed and the results (arrays) are concatenated. */
  readonly repeatable?: true;
  readonly parse: (text: string) => Parsed;
}

/** A flag's value as the command line gives it: text, several texts for a repeatable flag, or a switch. */
export type FlagValue = string | readonly string[] | boolean;

const ok = (value: unknown): Parsed => ({ ok: true, value });
const fail = (reason: string): Parsed => ({ ok: false, reason });

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Readonly<Record<string, number>> = { b: 1, kib: 1024, mib: 1024 * 1024 };

export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  const unit = DURATION_UNITS[match[2] ?? 's'];
  if (unit === undefined) return undefined;
  const ms = Math.round(Number(match[1]) * unit);
  return Number.isFinite(ms) ? ms : undefined;
}

export function parseSize(text: string): number | undefined {
  const match = /^(\d+)\s*(b|kib|mib)?$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = SIZE_UNITS[(match[2] ?? 'b').toLowerCase()];
  return unit === undefined ? undefined : Number(match[1]) * unit;
}

function integer(min: number, max: number) {
  return (text: string): Parsed => {
    if (!/^\d+$/.test(text.trim())) return fail('must be a whole number');
    const value = Number(text);
    return value >= min && value <= max ? ok(value) : fail(`must be between ${min} and ${max}`);
  };
}

function positiveNumber(text: string): Parsed {
  const value = Number(text);
  return /^\d+(\.\d+)?$/.test(text.trim()) && value > 0 ? ok(value) : fail('must be a positive number');
}

function duration(minMs: number, maxMs: number) {
  return (text: string): Parsed => {
    const ms = parseDuration(text);
    if (ms === undefined) return fail('must be a duration such as 500ms, 60s, 15m, 24h or 30d');
    return ms >= minMs && ms <= maxMs ? ok(ms) : fail(`must be between ${minMs} ms and ${maxMs} ms`);
  };
}

function oneOf<T extends string>(values: readonly T[], normalize: (text: string) => string = (t) => t) {
  return (text: string): Parsed => {
    const value = normalize(text.trim());
    return (values as readonly string[]).includes(value) ? ok(value) : fail(`must be one of ${values.join(', ')}`);
  };
}

function text(text: string): Parsed {
  return text.length > 0 ? ok(text) : fail('must not be empty');
}

/** Comma-separated relay URLs, each canonicalised exactly as clients do before signing. */
function relayUrls(text: string): Parsed {
  const urls: string[] = [];
  for (const item of text.split(',')) {
    const candidate = item.trim();
    if (candidate === '') continue;
    try {
      urls.push(normalizeRelayUrl(candidate));
    } catch {
      return fail(
        `must be http(s) URLs with a host and no credentials, query or fragment (${JSON.stringify(candidate)})`,
      );
    }
  }
  return urls.length > 0 ? ok(urls) : fail('must name at least one URL');
}

function boolean(text: string): Parsed {
  const value = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return ok(true);
  if (['0', 'false', 'no', 'off'].includes(value)) return ok(false);
  return fail('must be true or false');
}

/** Where the data folder goes by default: ./.data/relay under the folder the command was started from. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  // npm runs workspace scripts inside the workspace; INIT_CWD is where the user typed the command.
  const base = env.INIT_CWD && isAbsolute(env.INIT_CWD) ? env.INIT_CWD : cwd;
  return resolve(base, '.data', 'relay');
}

const DAY = 86_400_000;

/** Every option, in --help order. Keys are RelayConfig fields (rate limits are split into two options each). */
export const OPTIONS = {
  host: {
    flag: 'host',
    env: 'PARLEY_RELAY_HOST',
    valueName: 'ADDR',
    defaultText: '127.0.0.1',
    description: 'interface to listen on (0.0.0.0 or :: to accept remote clients, normally behind a TLS proxy)',
    parse: text,
  },
  port: {
    flag: 'port',
    env: 'PARLEY_RELAY_PORT',
    valueName: 'N',
    defaultText: String(DEFAULT_PORT),
    description: 'TCP port; 0 picks a free port (the bound URL is logged)',
    parse: integer(0, 65535),
  },
  publicUrls: {
    flag: 'public-url',
    env: 'PARLEY_RELAY_PUBLIC_URL',
    valueName: 'URL',
    defaultText: '(the listen address, http://HOST:PORT, and http://localhost:PORT on loopback)',
    description:
      'URL clients use to reach this relay, e.g. https://relay.example.org behind a TLS proxy; challenge signatures must name it (repeat the flag, or separate with commas, for several)',
    repeatable: true,
    parse: relayUrls,
  },
  dataDir: {
    flag: 'data-dir',
    env: 'PARLEY_RELAY_DATA_DIR',
    valueName: 'PATH',
    defaultText: './.data/relay',
    description: 'data folder: relay.sqlite, jwt-secret, sealed-sender.json (relative to where the command was run)',
    parse: text,
  },
  store: {
    flag: 'store',
    env: 'PARLEY_RELAY_STORE',
    valueName: 'KIND',
    defaultText: 'sqlite',
    description: 'storage: sqlite (durable, in the data folder) or memory (for experiments; loses everything on exit)',
    parse: oneOf(STORE_KINDS, (t) => t.toLowerCase()),
  },
  sqliteSynchronous: {
    flag: 'sqlite-synchronous',
    env: 'PARLEY_RELAY_SQLITE_SYNCHRONOUS',
    valueName: 'LEVEL',
    defaultText: 'FULL',
    description: 'SQLite synchronous level in WAL mode: FULL survives power loss, NORMAL only process crashes',
    parse: oneOf(SQLITE_SYNCHRONOUS_LEVELS, (t) => t.toUpperCase()),
  },
  logLevel: {
    flag: 'log-level',
    env: 'PARLEY_RELAY_LOG_LEVEL',
    valueName: 'LEVEL',
    defaultText: 'info',
    description: `log level: ${LOG_LEVELS.join(', ')}`,
    parse: oneOf(LOG_LEVELS, (t) => t.toLowerCase()),
  },
  issuer: {
    flag: 'issuer',
    env: 'PARLEY_RELAY_ISSUER',
    valueName: 'NAME',
    defaultText: 'parley-relay',
    description: 'JWT issuer (iss); tokens from a relay with another issuer are refused',
    parse: text,
  },
  jwtSecret: {
    flag: 'jwt-secret',
    env: 'PARLEY_RELAY_JWT_SECRET',
    valueName: 'BASE64',
    defaultText: '(generated into the data folder)',
    description: 'HS256 secret, base64, at least 32 bytes: set the same one on every node (prefer the env variable)',
    parse: text,
  },
  envelopeTtlMs: {
    flag: 'envelope-ttl',
    env: 'PARLEY_RELAY_ENVELOPE_TTL',
    valueName: 'DURATION',
    defaultText: '30d',
    description: 'how long an undelivered envelope is kept',
    parse: duration(1000, MAX_ENVELOPE_TTL_MS),
  },
  sweepIntervalMs: {
    flag: 'sweep-interval',
    env: 'PARLEY_RELAY_SWEEP_INTERVAL',
    valueName: 'DURATION',
    defaultText: '10m',
    description: 'how often expired envelopes and challenges are deleted',
    parse: duration(100, DAY),
  },
  challengeTtlMs: {
    flag: 'challenge-ttl',
    env: 'PARLEY_RELAY_CHALLENGE_TTL',
    valueName: 'DURATION',
    defaultText: '60s',
    description: 'lifetime of an authentication challenge (single use)',
    parse: duration(100, 3_600_000),
  },
  tokenTtlMs: {
    flag: 'token-ttl',
    env: 'PARLEY_RELAY_TOKEN_TTL',
    valueName: 'DURATION',
    defaultText: '15m',
    description: 'lifetime of a bearer token; a socket is closed with TOKEN_EXPIRED when its token expires',
    parse: duration(1000, DAY),
  },
  senderCertificateTtlMs: {
    flag: 'sender-certificate-ttl',
    env: 'PARLEY_RELAY_SENDER_CERTIFICATE_TTL',
    valueName: 'DURATION',
    defaultText: '24h',
    description: 'validity of a sealed-sender certificate',
    parse: duration(60_000, 30 * DAY),
  },
  maxEnvelopeBytes: {
    flag: 'max-envelope-size',
    env: 'PARLEY_RELAY_MAX_ENVELOPE_SIZE',
    valueName: 'SIZE',
    defaultText: `${MAX_ENVELOPE_CONTENT_BYTES / 1024}KiB`,
    description: `largest ciphertext for one device (at most ${MAX_ENVELOPE_CONTENT_BYTES / 1024}KiB, the wire limit)`,
    parse: (input: string) => {
      const size = parseSize(input);
      if (size === undefined) return fail('must be a size such as 65536, 64KiB or 1MiB');
      return size >= 1 && size <= MAX_ENVELOPE_CONTENT_BYTES
        ? ok(size)
        : fail(`must be between 1 B and ${MAX_ENVELOPE_CONTENT_BYTES} B`);
    },
  },
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
  preKeysLowThreshold: {
    flag: 'prekeys-low-threshold',
    env: 'PARLEY_RELAY_PREKEYS_LOW_THRESHOLD',
    valueName: 'N',
    defaultText: '10',
    description: 'send prekeys-low when a device has fewer one-time EC or Kyber prekeys than this',
    parse: integer(0, 10_000),
  },
  deliveryWindow: {
    flag: 'delivery-window',
    env: 'PARLEY_RELAY_DELIVERY_WINDOW',
    valueName: 'N',
    defaultText: '1000',
    description: 'envelopes pushed to one connection and not yet acknowledged, at most',
    parse: integer(100, 1_000_000),
  },
  trustProxy: {
    flag: 'trust-proxy',
    env: 'PARLEY_RELAY_TRUST_PROXY',
    defaultText: 'false',
    description: 'trust X-Forwarded-For from the reverse proxy (per-IP limits then see real clients)',
    parse: boolean,
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionKey = keyof typeof OPTIONS;

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
        throw new ConfigError(`${source} ${parsed.reason} (got ${JSON.stringify(raw)})`);
      }
      parsedValues.push(parsed.value);
    }
    if (parsedValues.length === 0) continue;
    values.set(key, spec.repeatable ? [...new Set(parsedValues.flat())] : parsedValues.at(-1));
  }
  const get = <T>(key: OptionKey, fallback: T): T => (values.has(key) ? (values.get(key) as T) : fallback);
  const dataDirText = get<string | undefined>('dataDir', undefined);
  const base = env.INIT_CWD && isAbsolute(env.INIT_CWD) ? env.INIT_CWD : cwd;
  const dataDir =
    dataDirText === undefined ? defaultDataDir(env, cwd) : resolve(base, dataDirText.replace(/^~(?=$|\/)/, homedir()));
  return {
    host: get('host', '127.0.0.1'),
    port: get('port', DEFAULT_PORT),
    publicUrls: get<readonly string[]>('publicUrls', []),
    dataDir,
    store: get<StoreKind>('store', 'sqlite'),
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
    sendRate: { perSecond: get('sendRatePerSecond', 30), burst: get('sendBurst', 300) },
    bundleRate: { perSecond: get<number>('bundleRatePerMinute', 60) / 60, burst: get('bundleBurst', 100) },
    bundleTargetRate: {
      perSecond: get<number>('bundleTargetRatePerMinute', 30) / 60,
      burst: get('bundleTargetBurst', 50),
    },
    authRate: { perSecond: get<number>('authRatePerMinute', 120) / 60, burst: get('authBurst', 60) },
    preKeysLowThreshold: get('preKeysLowThreshold', 10),
    deliveryWindow: get('deliveryWindow', 1000),
    trustProxy: get('trustProxy', false),
  };
}

/** `--help`: every option with its flag, environment variable and default. */
export function helpText(): string {
  const lines = [
    'parley-relay: the Parley relay (stores and forwards end-to-end encrypted envelopes)',
    '',
    'Usage: parley-relay [options]        (or: npm run relay -- [options])',
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
  lines.push('Sizes take B, KiB or MiB (bare numbers are bytes).');
  lines.push('SIGTERM or SIGINT stops the relay gracefully: pending sends are committed and acknowledged first.');
  return `${lines.join('\n')}\n`;
}
