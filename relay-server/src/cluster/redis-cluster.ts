/**
 * Cross-node delivery through Redis pub/sub.
 *
 * PostgreSQL is the store of record; Redis only carries hints. When a node
 * commits envelopes it publishes a `wake` on each recipient account's channel;
 * the nodes holding a connection of that account are subscribed and wake the
 * device's pump, which reads the queue from the store after its cursor. A
 * wake-up lost (Redis down, a publish timed out, a subscription not yet
 * active) therefore costs latency, never an envelope, and is healed by:
 *
 * - a subscription, once active, waking the account's local connections
 *   (covers commits made between connect and subscribe);
 * - Redis coming back after an outage: every local connection is woken;
 * - a periodic drain of every local connection: every HEAL_INTERVAL_MS while
 *   Redis works, every DEGRADED_HEAL_INTERVAL_MS while it does not (a PING
 *   every DEGRADED_HEAL_INTERVAL_MS tells which).
 *
 * Events that end connections (a takeover by another install, a
 * re-registration, an account deletion), ephemeral envelopes and the
 * prekeys-low check travel the same way. Those are not in the store: while
 * Redis is down a connection on another node learns of a takeover at its next
 * send or ack (socket/server.ts checks the device's generation on every one),
 * and a typing notice is lost.
 */
import { randomUUID } from 'node:crypto';
import type { AccountId, Envelope, RelayError } from '@parley/crypto-core/wire';
import type { ConnectionRegistry } from '../delivery/connection-registry.js';
import type { Logger } from '../logging.js';
import type { StoredEnvelope } from '../storage/relay-store.js';
import { accountChannel, type NodeMessage, parseNodeMessage } from './node-messages.js';
import { checkRedis, type RedisClients } from './redis-clients.js';

/** How often every local connection re-reads its queue while Redis works (lost wake-ups). */
export const HEAL_INTERVAL_MS = 10_000;
/** The same while Redis is failing: no wake-up arrives, so this is the delivery latency. */
export const DEGRADED_HEAL_INTERVAL_MS = 1000;

/** Spreads message content type without its `node` field (the bus adds its own id). */
type Outgoing = NodeMessage extends infer M ? (M extends NodeMessage ? Omit<M, 'node'> : never) : never;

export interface ClusterHooks {
  /** A bundle of the device was claimed on another node. */
  preKeysClaimed(accountId: AccountId, deviceId: number): void;
  /** Counts an ephemeral envelope pushed to a local connection. */
  ephemeralDelivered(): void;
}

export class RedisCluster {
  readonly nodeId = randomUUID();
  readonly #watched = new Set<string>();
  readonly #healTimer: NodeJS.Timeout;
  #lastHeal = Date.now();
  #closed = false;

  constructor(
    private readonly clients: RedisClients,
    private readonly prefix: string,
    private readonly registry: ConnectionRegistry,
    private readonly hooks: ClusterHooks,
    private readonly logger: Logger,
  ) {
    clients.subscriber.on('message', (channel: string, text: string) => this.#receive(channel, text));
    clients.health.onRecovery(() => this.#wakeAll());
    this.#healTimer = setInterval(() => this.#heal(), DEGRADED_HEAL_INTERVAL_MS);
    this.#healTimer.unref();
  }

  /** The first connection of the account on this node: receive its channel. */
  watch(accountId: string): void {
    if (this.#watched.has(accountId)) return;
    this.#watched.add(accountId);
    this.clients.subscriber.subscribe(accountChannel(this.prefix, accountId)).then(
      // Commits made before the subscription was active sent their wake-up to no one here.
      () => this.#wakeAccount(accountId),
      (error: unknown) => this.clients.health.failed(error, 'subscribe'),
    );
  }

  /** The last connection of the account on this node has gone. */
  unwatch(accountId: string): void {
    if (!this.#watched.delete(accountId) || this.#closed) return;
    this.clients.subscriber
      .unsubscribe(accountChannel(this.prefix, accountId))
      .catch((error: unknown) => this.clients.health.failed(error, 'unsubscribe'));
  }

  /** Wakes the nodes holding connections of the recipients of envelopes this node just committed. */
  committed(stored: readonly StoredEnvelope[]): void {
    const devicesByAccount = new Map<string, Set<number>>();
    for (const envelope of stored) {
      let devices = devicesByAccount.get(envelope.recipient);
      if (devices === undefined) {
        devices = new Set();
        devicesByAccount.set(envelope.recipient, devices);
      }
      devices.add(envelope.deviceId);
    }
    for (const [accountId, devices] of devicesByAccount) {
      this.#publish(accountId, { kind: 'wake', deviceIds: [...devices] });
    }
  }

  superseded(accountId: AccountId, deviceId: number, generation: string, error: RelayError): void {
    this.#publish(accountId, { kind: 'supersede', deviceId, generation, error });
  }

  accountDeleted(accountId: AccountId, reason: string): void {
    this.#publish(accountId, { kind: 'deleted', reason });
  }

  ephemeral(accountId: AccountId, deviceId: number, envelope: Envelope): void {
    this.#publish(accountId, { kind: 'ephemeral', deviceId, envelope });
  }

  preKeysClaimed(accountId: AccountId, deviceId: number): void {
    this.#publish(accountId, { kind: 'prekeys', deviceId });
  }

  health(): Promise<'ok' | 'failed'> {
    return checkRedis(this.clients);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#healTimer);
    await this.clients.close();
  }

  #publish(accountId: string, message: Outgoing): void {
    if (this.#closed) return;
    const text = JSON.stringify({ ...message, node: this.nodeId });
    this.clients.commands.publish(accountChannel(this.prefix, accountId), text).then(
      () => this.clients.health.succeeded(),
      // A lost hint: the receiving node's periodic drain delivers the envelopes.
      (error: unknown) => this.clients.health.failed(error, 'publish'),
    );
  }

  #receive(channel: string, text: string): void {
    const accountId = channel.slice(accountChannel(this.prefix, '').length);
    const message = parseNodeMessage(text);
    if (message === null) {
      this.logger.warn({ channel }, 'ignored a malformed message on a relay Redis channel');
      return;
    }
    if (message.node === this.nodeId) return;
    switch (message.kind) {
      case 'wake':
        for (const deviceId of message.deviceIds) {
          for (const connection of this.registry.forDevice(accountId, deviceId)) connection.wake();
        }
        return;
      case 'supersede':
        this.registry.supersede(accountId as AccountId, message.deviceId, message.generation, message.error);
        return;
      case 'deleted':
        this.registry.disconnectAccount(accountId as AccountId, message.reason);
        return;
      case 'ephemeral':
        for (const connection of this.registry.forDevice(accountId, message.deviceId)) {
          connection.pushEphemeral(message.envelope);
          this.hooks.ephemeralDelivered();
        }
        return;
      case 'prekeys':
        if (this.registry.forDevice(accountId, message.deviceId).size > 0) {
          this.hooks.preKeysClaimed(accountId as AccountId, message.deviceId);
        }
        return;
    }
  }

  #wakeAccount(accountId: string): void {
    for (const connection of this.registry.forAccount(accountId)) connection.wake();
  }

  #wakeAll(): void {
    this.#lastHeal = Date.now();
    for (const connection of this.registry.all()) connection.wake();
  }

  #heal(): void {
    // A Redis that stalls with its connections open is noticed here, within
    // about two seconds, also on a node that publishes nothing meanwhile.
    this.clients.commands.ping().then(
      () => this.clients.health.succeeded(),
      (error: unknown) => this.clients.health.failed(error, 'ping'),
    );
    const failing = this.clients.health.failing || this.clients.subscriber.status !== 'ready';
    if (failing || Date.now() - this.#lastHeal >= HEAL_INTERVAL_MS) this.#wakeAll();
  }
}
