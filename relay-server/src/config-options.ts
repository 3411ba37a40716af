/**
 * Every option of the relay, in --help order: flag, environment variable,
 * default as --help and docs/relay.md show it, and its parser. Keys are
 * RelayConfig fields, except rate limits, which are split into a rate and a
 * burst option each (resolveConfig in config.ts puts them together). The
 * limit and rate options live in config-limit-options.ts and are spread in
 * here at their place in --help order.
 */
import { MAX_ENVELOPE_TTL_MS } from '@parley/crypto-core/wire';
import { CAPACITY_OPTIONS, RATE_OPTIONS } from './config-limit-options.js';
import {
  boolean,
  duration,
  integer,
  type OptionSpec,
  oneOf,
  postgresSchema,
  postgresUrl,
  redisPrefix,
  redisUrl,
  relayUrls,
  text,
} from './config-values.js';
import { SQLITE_SYNCHRONOUS_LEVELS } from './storage/index.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const STORE_KINDS = ['sqlite', 'memory', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];
export const REGISTRATION_POLICIES = ['open', 'invite', 'closed'] as const;

/** Default port: unassigned by IANA, clear of the usual 8080/8443 clashes. Plain HTTP; put TLS in front. */
export const DEFAULT_PORT = 7447;

const DAY = 86_400_000;

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
    defaultText: '(the listen address and http://HOST:PORT (canonical: localhost and [::1] are written 127.0.0.1))',
    description:
      'URL clients use to reach this relay, e.g. https://relay.example.org behind a TLS proxy; challenge signatures must name it (repeat the flag, or separate with commas, for several)',
    repeatable: true,
    parse: relayUrls,
  },
  registration: {
    flag: 'registration',
    env: 'PARLEY_RELAY_REGISTRATION',
    valueName: 'POLICY',
    defaultText:
      'invite when the relay is reachable beyond loopback (--host, --public-url or --trust-proxy say so), else open',
    description:
      'who may create an account: open (anyone), invite (one-time codes from `parley-relay invite`) or closed (no one new); devices of existing accounts may always re-register',
    parse: oneOf(REGISTRATION_POLICIES, (t) => t.toLowerCase()),
  },
  inviteTtlMs: {
    flag: 'invite-ttl',
    env: 'PARLEY_RELAY_INVITE_TTL',
    valueName: 'DURATION',
    defaultText: '7d',
    description: 'how long an invite code made by `parley-relay invite` stays valid',
    parse: duration(1000, 365 * DAY),
  },
  dataDir: {
    flag: 'data-dir',
    env: 'PARLEY_RELAY_DATA_DIR',
    valueName: 'PATH',
    defaultText: './.data/relay',
    description: 'data folder: relay.sqlite, jwt-secret, sealed-sender.json (relative to where the command was run)',
    parse: text,
  },
  blobDir: {
    flag: 'blob-dir',
    env: 'PARLEY_RELAY_BLOB_DIR',
    valueName: 'PATH',
    defaultText: 'DATA_DIR/blobs',
    description:
      'folder of attachment blobs (relative to where the command was run); with several nodes, one folder every node shares (docs/scaling.md)',
    parse: text,
  },
  store: {
    flag: 'store',
    env: 'PARLEY_RELAY_STORE',
    valueName: 'KIND',
    defaultText: 'postgres with --postgres, else sqlite',
    description:
      'storage: sqlite (durable, in the data folder), postgres (shared by several relay nodes; needs --postgres) or memory (for experiments; loses everything on exit)',
    parse: oneOf(STORE_KINDS, (t) => t.toLowerCase()),
  },
  postgresUrl: {
    flag: 'postgres',
    env: 'PARLEY_RELAY_POSTGRES_URL',
    valueName: 'URL',
    defaultText: '(none: the relay keeps its data in SQLite)',
    description:
      'PostgreSQL to keep the relay\'s data in, e.g. postgres://parley@db.example.org/parley; relay nodes given the same URL share accounts, keys and queues (docs/relay.md, "Scale-out")',
    secret: true,
    parse: postgresUrl,
  },
  postgresSchema: {
    flag: 'postgres-schema',
    env: 'PARLEY_RELAY_POSTGRES_SCHEMA',
    valueName: 'NAME',
    defaultText: "(the connection's search_path, normally public)",
    description: "PostgreSQL schema for the relay's tables, created if missing (lower-case letters, digits, _)",
    parse: postgresSchema,
  },
  redisUrl: {
    flag: 'redis',
    env: 'PARLEY_RELAY_REDIS_URL',
    valueName: 'URL',
    defaultText: '(none: each node pushes only to its own connections and counts its own rate limits)',
    description:
      'Redis that relay nodes on one PostgreSQL use to wake the node holding a recipient\'s connection and to share rate limits, e.g. redis://redis.example.org:6379; needs --postgres (docs/relay.md, "Scale-out")',
    secret: true,
    parse: redisUrl,
  },
  redisPrefix: {
    flag: 'redis-prefix',
    env: 'PARLEY_RELAY_REDIS_PREFIX',
    valueName: 'TEXT',
    defaultText: 'parley:',
    description: 'prefix of every Redis key and channel the relay uses (one per relay sharing a Redis)',
    parse: redisPrefix,
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
  ...CAPACITY_OPTIONS,
  ...RATE_OPTIONS,
  maxConnectionsPerIp: {
    flag: 'max-connections-per-ip',
    env: 'PARLEY_RELAY_MAX_CONNECTIONS_PER_IP',
    valueName: 'N',
    defaultText: '256',
    description:
      'open connections from one client address (TCP connections; with --trust-proxy, websockets plus HTTP requests in progress, by forwarded address)',
    parse: integer(1, 1_000_000),
  },
  requestTimeoutMs: {
    flag: 'request-timeout',
    env: 'PARLEY_RELAY_REQUEST_TIMEOUT',
    valueName: 'DURATION',
    defaultText: '30s',
    description: 'time to receive a whole HTTP request, body included; a slower one is answered 408 and closed',
    parse: duration(1000, 3_600_000),
  },
  headersTimeoutMs: {
    flag: 'headers-timeout',
    env: 'PARLEY_RELAY_HEADERS_TIMEOUT',
    valueName: 'DURATION',
    defaultText: '10s',
    description: "time to receive an HTTP request's headers (at most --request-timeout)",
    parse: duration(1000, 3_600_000),
  },
  keepAliveTimeoutMs: {
    flag: 'keep-alive-timeout',
    env: 'PARLEY_RELAY_KEEP_ALIVE_TIMEOUT',
    valueName: 'DURATION',
    defaultText: '72s',
    description:
      'how long an idle HTTP keep-alive connection stays open (longer than a proxy keeps its own, 60 s in nginx)',
    parse: duration(100, 3_600_000),
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
