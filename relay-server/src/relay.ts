/**
 * The relay's composition root: opens the store (checking its durability),
 * loads or creates the relay's secrets, builds the HTTP app and the socket
 * server on one HTTP server, starts the sweep, and knows how to stop all of it
 * in the right order.
 *
 * Graceful stop (SIGTERM/SIGINT, or `close()`):
 *   1. refuse new work: handshakes, sends and HTTP requests get UNAVAILABLE;
 *   2. stop listening for new connections;
 *   3. let the commit batch in progress and the queued sends commit, so every
 *      send already accepted is acknowledged, and let running acks finish;
 *   4. close every socket, then the HTTP server: requests still unfinished
 *      SHUTDOWN_GRACE_MS later (a client trickling its body, say) are cut off,
 *      so no client can hold the stop open;
 *   5. close the Redis connections (--redis), then the store (checkpoint, release the file).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ChallengeService } from './auth/challenges.js';
import { isLoopbackAddress, RelayUrls } from './auth/relay-urls.js';
import { TokenService } from './auth/tokens.js';
import { BlobFolder } from './blobs/blob-folder.js';
import { openRedisClients } from './cluster/redis-clients.js';
import { RedisCluster } from './cluster/redis-cluster.js';
import type { RelayConfig } from './config.js';
import type { Lifecycle, RelayContext } from './context.js';
import { SealedSenderAuthority } from './crypto/index.js';
import { ensureDataFolder, JWT_SECRET_FILE, loadOrCreateSecret } from './data-folder.js';
import { ConnectionRegistry } from './delivery/connection-registry.js';
import { EnvelopeCommitter } from './delivery/envelope-committer.js';
import { notifyIfPreKeysLow } from './delivery/prekey-notices.js';
import { createHttpApp } from './http/app.js';
import { ConnectionLimiter } from './limits/connection-limiter.js';
import { RateLimits } from './limits/rate-limits.js';
import { RedisTokenBucketLimiter } from './limits/redis-token-bucket.js';
import type { Logger } from './logging.js';
import { RelayMetrics } from './metrics.js';
import { PendingAcks } from './socket/pending-acks.js';
import { createSocketServer } from './socket/server.js';
import { type DurabilityReport, openStore, type RelayStore, storeConfigOf } from './storage/index.js';
import { Sweeper } from './sweep.js';

export interface RunningRelay {
  /** e.g. http://127.0.0.1:7447 (the bound port when 0 was asked for). */
  readonly url: string;
  /** The relay URLs challenge signatures must name (--public-url, or derived from the listen address). */
  readonly publicUrls: readonly string[];
  readonly durability: DurabilityReport;
  /** The store the relay opened (diagnostics and fault tests; the relay closes it). */
  readonly store: RelayStore;
  /** Graceful stop; safe to call more than once. */
  close(): Promise<void>;
}

/** How long a graceful stop waits for HTTP requests in progress before it closes their connections. */
export const SHUTDOWN_GRACE_MS = 3000;

/** Smallest HS256 secret accepted (RFC 7518 §3.2: at least the hash size). */
const MIN_JWT_SECRET_BYTES = 32;

function packageVersion(): string {
  try {
    const parsed: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const version = (parsed as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

async function loadJwtSecret(config: RelayConfig, logger: Logger): Promise<Uint8Array> {
  if (config.jwtSecret !== undefined) {
    const secret = Buffer.from(config.jwtSecret, 'base64');
    if (secret.byteLength < MIN_JWT_SECRET_BYTES) {
      throw new Error(`the JWT secret must decode to at least ${MIN_JWT_SECRET_BYTES} bytes of base64`);
    }
    return new Uint8Array(secret);
  }
  const { contents } = await loadOrCreateSecret(
    config.dataDir,
    JWT_SECRET_FILE,
    () => `${randomBytes(MIN_JWT_SECRET_BYTES).toString('base64')}\n`,
    logger,
  );
  const secret = Buffer.from(contents.trim(), 'base64');
  if (secret.byteLength < MIN_JWT_SECRET_BYTES) throw new Error(`${JWT_SECRET_FILE} in the data folder is too short`);
  return new Uint8Array(secret);
}

function urlOf(address: AddressInfo | string | null): string {
  if (address === null || typeof address === 'string') return String(address);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export async function startRelay(config: RelayConfig, logger: Logger): Promise<RunningRelay> {
  await ensureDataFolder(config.dataDir);
  const blobs = new BlobFolder(config.blobDir);
  await blobs.init();
  const { store, durability } = await openStore(storeConfigOf(config));
  const lifecycle = { shuttingDown: false };
  const relayUrls = new RelayUrls(config.publicUrls);
  let ctx: RelayContext;
  try {
    const jwtSecret = await loadJwtSecret(config, logger);
    const sealedSender = await SealedSenderAuthority.loadOrCreate(config.dataDir, logger);
    const metrics = new RelayMetrics(
      () => store.countEnvelopes(),
      () => store.transactionRetries?.(),
    );
    const connections = new ConnectionRegistry();
    const redis = config.redisUrl === undefined ? null : openRedisClients(config.redisUrl, logger);
    // Assigned once ctx exists: the cluster's prekey hook needs the context.
    let cluster: RedisCluster | null = null;
    if (redis !== null) {
      cluster = new RedisCluster(
        redis,
        config.redisPrefix,
        connections,
        {
          preKeysClaimed: (accountId, deviceId) => notifyIfPreKeysLow(ctx, accountId, deviceId),
          ephemeralDelivered: () => metrics.ephemeralDelivered.inc(),
        },
        logger,
      );
      connections.watchAccounts(cluster);
    }
    const limits =
      redis === null
        ? new RateLimits(config)
        : new RateLimits(
            config,
            (name, limit) =>
              new RedisTokenBucketLimiter(redis.commands, redis.health, `${config.redisPrefix}limit:${name}:`, limit),
          );
    ctx = {
      config,
      store,
      blobs,
      logger,
      metrics,
      limits,
      connectionLimiter: new ConnectionLimiter(config.maxConnectionsPerIp),
      tokens: new TokenService(jwtSecret, config.issuer, config.tokenTtlMs),
      challenges: new ChallengeService(store, config.challengeTtlMs),
      relayUrls,
      sealedSender,
      connections,
      committer: new EnvelopeCommitter(
        store,
        metrics,
        logger,
        {
          maxQueueEnvelopes: config.maxQueueEnvelopes,
          maxQueueBytes: config.maxQueueBytes,
          dailySendBytes: config.dailySendBytes,
        },
        (stored) => {
          connections.offerCommitted(stored);
          cluster?.committed(stored);
        },
      ),
      cluster,
      lifecycle: lifecycle satisfies Lifecycle,
      version: packageVersion(),
    };
  } catch (error) {
    await store.close();
    throw error;
  }

  const app = createHttpApp(ctx);
  await app.ready();
  const pendingAcks = new PendingAcks();
  const io = createSocketServer(app.server, ctx, pendingAcks);
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const url = urlOf(address);
  const bound = address !== null && typeof address === 'object' ? address : { address: config.host, port: config.port };
  const publicUrls = relayUrls.settle(config.host, bound);
  if (!relayUrls.isConfigured && !isLoopbackAddress(bound.address)) {
    // Reachable from elsewhere, but only by the URLs derived above: behind a
    // TLS proxy or a DNS name every login would fail with INVALID_SIGNATURE.
    logger.warn(
      { publicUrls },
      `listening on a non-loopback address without --public-url: clients can authenticate only through ${publicUrls.join(', ')}; set --public-url (PARLEY_RELAY_PUBLIC_URL) to the URL clients use, e.g. https://relay.example.org behind a TLS proxy`,
    );
  }
  const sweeper = new Sweeper(ctx);
  sweeper.start();

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      lifecycle.shuttingDown = true;
      logger.info('shutting down: finishing pending commits and acknowledgements');
      // Fastify stops listening at once (new connections are refused; requests
      // on open keep-alive connections get 503) and resolves when the last
      // connection has gone, which includes the websockets closed below.
      const httpClosed = app.close();
      await ctx.committer.idle();
      await pendingAcks.settled();
      await sweeper.stop();
      io.local.disconnectSockets(true);
      const grace = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await httpClosed;
      clearTimeout(grace);
      await ctx.cluster?.close();
      await store.close();
      logger.info('relay stopped');
    })();
    return closing;
  };

  return { url, publicUrls, durability, store, close };
}
