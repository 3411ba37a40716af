/**
 * Prometheus metrics on a per-relay Registry (never prom-client's global one,
 * so two relays in one process, as in tests, do not collide). Names follow
 * Prometheus conventions: `_total` counters, base units (seconds).
 */
import { RelayErrorCode } from '@parley/crypto-core/wire';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { TransactionRetries } from './storage/relay-store.js';

/** The codes parley_relay_limit_refusals_total counts: every limit, quota and registration refusal. */
const LIMIT_CODES: ReadonlySet<string> = new Set<string>([
  RelayErrorCode.RateLimited,
  RelayErrorCode.TooManyConnections,
  RelayErrorCode.PayloadTooLarge,
  RelayErrorCode.QueueFull,
  RelayErrorCode.QuotaExceeded,
  RelayErrorCode.TooManyPreKeys,
  RelayErrorCode.InviteRequired,
  RelayErrorCode.InviteInvalid,
  RelayErrorCode.RegistrationClosed,
]);

export class RelayMetrics {
  readonly registry = new Registry();
  /** Open socket.io connections on this node. */
  readonly connections: Gauge;
  /** Envelopes durably committed (one per addressed device). */
  readonly envelopesAccepted: Counter;
  /** Envelopes acknowledged by their recipient and deleted. */
  readonly envelopesDelivered: Counter;
  /** Envelopes pushed to a connection (including re-deliveries after a reconnect). */
  readonly envelopesPushed: Counter;
  /** Ephemeral envelopes handed to online devices (never stored). */
  readonly ephemeralDelivered: Counter;
  /** Envelopes removed by the sweep because their TTL passed. */
  readonly envelopesExpired: Counter;
  /** Sends refused, by error code. */
  readonly sendsRefused: Counter<'code'>;
  /** Requests, events and connections refused by a limit, quota or the registration policy, by code. */
  readonly limitRefusals: Counter<'code'>;
  /** Envelopes queued in the store, all recipients (read at scrape time). */
  readonly queueDepth: Gauge;
  /** Time from acceptance (server timestamp) to the recipient's ack. */
  readonly deliveryLatency: Histogram;
  /** Envelopes per storage commit (how well sends are batched). */
  readonly commitBatchSize: Histogram;
  /** Store transactions run again after the engine aborted them (deadlock, serialization failure), by reason. */
  readonly storeTransactionRetries: Counter<'reason'>;

  /**
   * `transactionRetries` reads the store's own counts at scrape time
   * (RelayStore.transactionRetries; undefined for a store that never retries).
   */
  constructor(
    countQueuedEnvelopes: () => Promise<number>,
    transactionRetries: () => TransactionRetries | undefined = () => undefined,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_relay_' });
    this.connections = new Gauge({ name: 'parley_relay_connections', help: 'Open socket connections', registers });
    this.envelopesAccepted = new Counter({
      name: 'parley_relay_envelopes_accepted_total',
      help: 'Envelopes durably committed (one per addressed device)',
      registers,
    });
    this.envelopesDelivered = new Counter({
      name: 'parley_relay_envelopes_delivered_total',
      help: 'Envelopes acknowledged by their recipient and deleted',
      registers,
    });
    this.envelopesPushed = new Counter({
      name: 'parley_relay_envelopes_pushed_total',
      help: 'Envelopes pushed to a connection, re-deliveries included',
      registers,
    });
    this.ephemeralDelivered = new Counter({
      name: 'parley_relay_ephemeral_delivered_total',
      help: 'Ephemeral envelopes handed to online devices (never stored)',
      registers,
    });
    this.envelopesExpired = new Counter({
      name: 'parley_relay_envelopes_expired_total',
      help: 'Envelopes deleted by the sweep after their TTL',
      registers,
    });
    this.sendsRefused = new Counter({
      name: 'parley_relay_sends_refused_total',
      help: 'Sends refused, by error code',
      labelNames: ['code'],
      registers,
    });
    this.limitRefusals = new Counter({
      name: 'parley_relay_limit_refusals_total',
      help: 'Requests, events and connections refused by a limit, quota or the registration policy, by code',
      labelNames: ['code'],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'parley_relay_queue_depth',
      help: 'Envelopes queued in the store, all recipients',
      registers,
      async collect() {
        this.set(await countQueuedEnvelopes());
      },
    });
    this.deliveryLatency = new Histogram({
      name: 'parley_relay_delivery_latency_seconds',
      help: 'Time from acceptance to the recipient acknowledgement',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60, 600, 3600, 86400],
      registers,
    });
    this.storeTransactionRetries = new Counter({
      name: 'parley_relay_store_transaction_retries_total',
      help: 'Store transactions run again after the database aborted them for a deadlock or serialization failure',
      labelNames: ['reason'],
      registers,
      collect() {
        const retries = transactionRetries();
        if (retries === undefined) return;
        // The store counts; this mirrors its totals (reset, then set to them).
        this.reset();
        this.inc({ reason: 'deadlock' }, retries.deadlock);
        this.inc({ reason: 'serialization_failure' }, retries.serializationFailure);
      },
    });
    this.commitBatchSize = new Histogram({
      name: 'parley_relay_commit_batch_envelopes',
      help: 'Envelopes per storage commit',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    });
  }

  /** Counts a refusal in parley_relay_limit_refusals_total if `code` is a limit's, a quota's or the registration policy's. */
  countRefusal(code: string): void {
    if (LIMIT_CODES.has(code)) this.limitRefusals.inc({ code });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
