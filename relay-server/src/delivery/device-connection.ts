/**
 * Delivery to one connected device: a cursor and a pump.
 *
 * The store is the source of truth; a connection only remembers `cursor`, the
 * highest queue `seq` it has pushed. On connect the pump drains the queue in
 * seq order, in batches of at most MAX_ENVELOPES_PER_BATCH, then emits
 * `queue-empty` once. After that the connection is "caught up", and
 * envelopes committed for the device are pushed straight from the commit
 * (already in hand, no database read) as long as:
 *
 * - the connection is caught up: its last fetch returned short and no commit
 *   for the device arrived while that fetch ran. Commits on this node run one
 *   at a time (EnvelopeCommitter), so every envelope with seq > cursor is then
 *   one this node is about to hand over: pushing the in-hand envelopes keeps
 *   the cursor contiguous, with no gap and no duplicate;
 * - the window has room: at most `window` envelopes pushed and not yet acked.
 *
 * Otherwise the connection falls back to the pump, which reads the queue
 * after `cursor`; a wake-up that arrives during a fetch makes the pump fetch
 * again, so no commit is ever missed, and the cursor makes re-reads harmless.
 * Acks free window room and restart a stalled pump. Nothing is deleted here:
 * an envelope pushed but not acked is pushed again on the next connection.
 *
 * With several nodes, a commit on another node reaches this one only as a
 * wake-up (`wake()`, from RedisCluster), which always goes through the pump.
 */
import {
  type AccountId,
  type Envelope,
  MAX_ENVELOPES_PER_BATCH,
  type PreKeysLow,
  type RelayError,
} from '@parley/crypto-core/wire';
import type { Logger } from '../logging.js';
import type { RelayMetrics } from '../metrics.js';
import type { RelayStore, StoredEnvelope } from '../storage/relay-store.js';
import { toWireEnvelope } from './wire-envelope.js';

/** What a connection needs from its socket (kept narrow so the pump has one job). */
export interface DeliverySink {
  envelopes(batch: Envelope[]): void;
  queueEmpty(): void;
  preKeysLow(counts: PreKeysLow): void;
  relayError(error: RelayError): void;
  disconnect(): void;
}

/** Retry delay after a failed fetch (the store may be briefly unavailable). */
const FETCH_RETRY_MS = 1000;

export class DeviceConnection {
  #cursor = 0;
  #caughtUp = false;
  #pumping = false;
  #wakeRequested = false;
  #queueEmptySent = false;
  #closed = false;
  /** False until start(): the socket's generation is checked first, and nothing is pushed before. */
  #started = false;
  #retryTimer: NodeJS.Timeout | undefined;
  /** Pushed, not yet acked on this connection: id -> server timestamp (for the latency histogram). */
  readonly #inFlight = new Map<string, number>();

  constructor(
    readonly accountId: AccountId,
    readonly deviceId: number,
    private readonly sink: DeliverySink,
    private readonly store: RelayStore,
    private readonly metrics: RelayMetrics,
    private readonly logger: Logger,
    private readonly window: number,
  ) {}

  /** Starts the drain of everything queued for the device. */
  start(): void {
    this.#started = true;
    void this.#pump();
  }

  /** Envelopes for this device that this node just committed, in seq order. */
  offer(envelopes: readonly StoredEnvelope[]): void {
    if (this.#closed || envelopes.length === 0) return;
    if (this.#caughtUp && !this.#pumping && this.#inFlight.size + envelopes.length <= this.window) {
      const fresh = envelopes.filter((envelope) => envelope.seq > this.#cursor);
      this.#push(fresh);
      return;
    }
    this.wake();
  }

  /** Something may have been queued for this device: read the queue after the cursor. */
  wake(): void {
    if (this.#closed) return;
    this.#caughtUp = false;
    // start() drains from the beginning anyway.
    if (!this.#started) return;
    void this.#pump();
  }

  /** The device acknowledged (and the store deleted) these ids. */
  acknowledged(ids: readonly string[], now: number = Date.now()): void {
    let freed = 0;
    for (const id of ids) {
      const acceptedAt = this.#inFlight.get(id);
      if (acceptedAt === undefined) continue;
      this.#inFlight.delete(id);
      this.metrics.deliveryLatency.observe(Math.max(0, now - acceptedAt) / 1000);
      freed++;
    }
    if (freed > 0 && !this.#caughtUp) void this.#pump();
  }

  /** An ephemeral envelope (typing): pushed now, never stored, never tracked for acks. */
  pushEphemeral(envelope: Envelope): void {
    if (this.#closed) return;
    this.sink.envelopes([envelope]);
  }

  preKeysLow(counts: PreKeysLow): void {
    if (!this.#closed) this.sink.preKeysLow(counts);
  }

  /** Tells the device why and closes the connection (token expired, account deleted, shutdown). */
  end(error: RelayError): void {
    if (this.#closed) return;
    this.sink.relayError(error);
    this.sink.disconnect();
    this.close();
  }

  close(): void {
    this.#closed = true;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#inFlight.clear();
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  #push(envelopes: readonly StoredEnvelope[]): void {
    for (let start = 0; start < envelopes.length; start += MAX_ENVELOPES_PER_BATCH) {
      const chunk = envelopes.slice(start, start + MAX_ENVELOPES_PER_BATCH);
      const batch = chunk.map((envelope) => toWireEnvelope(envelope));
      for (const envelope of chunk) this.#inFlight.set(envelope.id, envelope.serverTimestamp);
      const last = chunk[chunk.length - 1];
      if (last !== undefined) this.#cursor = Math.max(this.#cursor, last.seq);
      this.sink.envelopes(batch);
      this.metrics.envelopesPushed.inc(batch.length);
    }
  }

  async #pump(): Promise<void> {
    if (this.#pumping) {
      this.#wakeRequested = true;
      return;
    }
    this.#pumping = true;
    try {
      while (!this.#closed) {
        this.#wakeRequested = false;
        const room = this.window - this.#inFlight.size;
        // Window full: wait for acks (acknowledged() restarts the pump).
        if (room <= 0) return;
        const limit = Math.min(MAX_ENVELOPES_PER_BATCH, room);
        const batch = await this.store.fetchEnvelopes(this.accountId, this.deviceId, this.#cursor, limit, Date.now());
        if (this.#closed) return;
        this.#push(batch);
        if (batch.length < limit && !this.#wakeRequested) {
          this.#caughtUp = true;
          if (!this.#queueEmptySent) {
            this.#queueEmptySent = true;
            this.sink.queueEmpty();
          }
          return;
        }
      }
    } catch (error) {
      this.logger.error({ err: error }, 'reading the queue failed; retrying');
      this.#retryTimer = setTimeout(() => this.wake(), FETCH_RETRY_MS);
      this.#retryTimer.unref();
    } finally {
      this.#pumping = false;
    }
  }
}
