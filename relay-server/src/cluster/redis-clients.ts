/**
 * The relay's two Redis connections (ioredis): one for commands (publish,
 * rate-limit scripts, health pings) and one in subscriber mode, which Redis
 * requires to be separate.
 *
 * Redis is a helper, never the store of record, so every use is bounded and
 * may fail without harm:
 * - commands time out after REDIS_COMMAND_TIMEOUT_MS (a publish to a stalled
 *   Redis cannot hold a send, or pile up without bound);
 * - the command connection has no offline queue: while Redis is unreachable a
 *   command fails at once instead of waiting for a reconnect;
 * - both connections reconnect by themselves, with a backoff capped at
 *   REDIS_MAX_RECONNECT_DELAY_MS; the node starts and serves while Redis is down;
 * - every error is caught here or by the caller and logged once per outage
 *   (`RedisHealth`), never thrown into the event loop.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logging.js';

/** Longest a Redis command may take before it fails (a publish is then a lost hint). */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;
/** Longest wait between two reconnection attempts. */
export const REDIS_MAX_RECONNECT_DELAY_MS = 2000;
const CONNECT_TIMEOUT_MS = 2000;

/**
 * Whether Redis currently works for this node, from what its connections and
 * commands report. Logs the first failure of an outage and the recovery, not
 * every failed command (a saturated node would otherwise flood its log).
 */
export class RedisHealth {
  #failing = false;
  readonly #recoveryListeners: (() => void)[] = [];

  constructor(private readonly logger: Logger) {}

  get failing(): boolean {
    return this.#failing;
  }

  failed(error: unknown, what: string): void {
    if (this.#failing) return;
    this.#failing = true;
    this.logger.error(
      { err: error },
      `Redis failed (${what}): wake-ups between nodes are lost and rate limits are counted per node until it is back`,
    );
  }

  succeeded(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.logger.info('Redis is reachable again');
    for (const listener of this.#recoveryListeners) listener();
  }

  onRecovery(listener: () => void): void {
    this.#recoveryListeners.push(listener);
  }
}

export interface RedisClients {
  readonly commands: Redis;
  readonly subscriber: Redis;
  readonly health: RedisHealth;
  close(): Promise<void>;
}

function optionsFor(offlineQueue: boolean): RedisOptions {
  return {
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    enableOfflineQueue: offlineQueue,
    maxRetriesPerRequest: offlineQueue ? null : 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, REDIS_MAX_RECONNECT_DELAY_MS),
    enableAutoPipelining: !offlineQueue,
    lazyConnect: false,
  };
}

/** Opens both connections without waiting for them: a node serves while Redis comes and goes. */
export function openRedisClients(url: string, logger: Logger): RedisClients {
  const health = new RedisHealth(logger);
  const commands = new Redis(url, optionsFor(false));
  // Subscriptions made while disconnected wait for the connection (and are
  // renewed by ioredis after each reconnect).
  const subscriber = new Redis(url, optionsFor(true));
  // A stop closes both connections on purpose: not an outage to report.
  let closing = false;
  for (const [client, name] of [
    [commands, 'commands'],
    [subscriber, 'subscriber'],
  ] as const) {
    client.on('error', (error: unknown) => {
      if (!closing) health.failed(error, `${name} connection`);
    });
    client.on('close', () => {
      if (!closing) health.failed(new Error('connection closed'), `${name} connection`);
    });
    client.on('ready', () => {
      if (commands.status === 'ready' && subscriber.status === 'ready') health.succeeded();
    });
  }
  return {
    commands,
    subscriber,
    health,
    close: async () => {
      closing = true;
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}

/** `ok` when both connections are up and a PING answers within the command timeout. */
export async function checkRedis(clients: RedisClients): Promise<'ok' | 'failed'> {
  if (clients.subscriber.status !== 'ready') return 'failed';
  try {
    await clients.commands.ping();
    clients.health.succeeded();
    return 'ok';
  } catch (error) {
    clients.health.failed(error, 'health check');
    return 'failed';
  }
}
