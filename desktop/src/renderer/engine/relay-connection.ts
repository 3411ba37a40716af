/**
 * The socket.io connection to one relay: websocket transport, the JWT in the
 * handshake's `auth` callback, our own reconnect loop (exponential backoff
 * with jitter, bounded), and typed request/answer helpers for `send` and
 * `ack` that fail fast when offline and fail pending calls when the
 * connection drops.
 *
 * Why not socket.io's built-in reconnection: it does not reconnect after the
 * relay refuses the handshake (e.g. TOKEN_EXPIRED) or closes the socket
 * itself (relay-error then disconnect), which are exactly the cases that need
 * a fresh token. One loop handles all of them the same way: get a token, open
 * a new socket, and wait after a failure. Each attempt uses a fresh socket, so
 * nothing emitted on a dead connection is ever buffered and replayed later.
 *
 * The one refusal that ends the loop for good is DEVICE_TAKEN_OVER (another
 * install registered this identity: takeover.ts), from the handshake, a
 * `relay-error`, a send or ack answer, or a login: the connection reports it
 * and, once retired, never connects, sends or acks again.
 */
import {
  type AckResult,
  ackResultSchema,
  type ClientToServerEvents,
  type Envelope,
  envelopeBatchSchema,
  type PreKeysLow,
  preKeysLowSchema,
  type RelayError,
  RelayErrorCode,
  relayErrorSchema,
  type SendRequest,
  type SendResult,
  type ServerToClientEvents,
  sendResultSchema,
  WIRE_VERSION,
} from '@parley/crypto-core/wire';
import { io, type Socket } from 'socket.io-client';
import type { z } from 'zod';
import { Backoff, type BackoffOptions, DEFAULT_RECONNECT_BACKOFF } from './backoff.js';
import { sleep } from './clock.js';
import { describeError } from './errors.js';
import type { EngineLogger } from './logger.js';
import { Observable } from './observable.js';
import type { RelayTokens } from './relay-auth.js';
import { RelayCallError, RelayFailure } from './relay-errors.js';
import { isTakeoverCode } from './takeover.js';

export type ConnectionState = 'online' | 'connecting' | 'offline';

type RelaySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What the connection hands to the rest of the engine. */
export interface ConnectionHandlers {
  /** A validated batch of envelopes, in the relay's queue order. */
  envelopes(batch: Envelope[]): void;
  /** The queue present at connect time was delivered. */
  queueEmpty(): void;
  preKeysLow(counts: PreKeysLow): void;
  /** A connection was established (after every reconnect). */
  connected(): void;
  /** The relay refused the handshake or reported a connection problem. */
  relayError(error: RelayError): void;
  /** The relay said another install took this device over (the caller retires the connection). */
  takenOver(): void;
}

export interface RelayConnectionOptions {
  readonly backoff: BackoffOptions;
  /**
   * A connection that stayed up this long resets the backoff (ms). One that
   * the relay closes sooner counts as a failure, so a relay that accepts and
   * drops at once is not hammered.
   */
  readonly stableAfterMs?: number;
  /** Longest wait for the handshake (ms). */
  readonly connectTimeoutMs: number;
  /** Longest wait for the answer to a send or ack (ms). */
  readonly requestTimeoutMs: number;
  readonly random?: () => number;
}

export const DEFAULT_CONNECTION_OPTIONS: RelayConnectionOptions = {
  backoff: DEFAULT_RECONNECT_BACKOFF,
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 20_000,
};

const DEFAULT_STABLE_AFTER_MS = 10_000;

type AttemptOutcome =
  /** The handshake failed: refused by the relay (its error), or no relay answered (null). */
  | { readonly kind: 'refused'; readonly error: RelayError | null }
  | { readonly kind: 'closed'; readonly onlineForMs: number | null; readonly reason: string };

/** The relay's socket endpoint: socket.io treats a URL path as a namespace, so a base path goes into `path`. */
function socketEndpoint(relayUrl: string): { origin: string; path: string } {
  const url = new URL(relayUrl);
  return { origin: url.origin, path: `${url.pathname.replace(/\/+$/, '')}/socket.io/` };
}

export class RelayConnection {
  readonly state = new Observable<ConnectionState>('offline');
  readonly #backoff: Backoff;
  #running = false;
  #loop: Promise<void> | null = null;
  /** The connected socket (null while connecting or offline). */
  #socket: RelaySocket | null = null;
  /** Ends the attempt in progress, connected or not. */
  #endAttempt: (() => void) | null = null;
  #wake: AbortController = new AbortController();
  /** Set for good once the device was taken over: nothing connects, sends or acks again. */
  #retired = false;
  readonly #pending = new Set<(error: RelayCallError) => void>();

  constructor(
    readonly relayUrl: string,
    private readonly tokens: RelayTokens,
    private readonly handlers: ConnectionHandlers,
    private readonly logger: EngineLogger,
    private readonly options: RelayConnectionOptions = DEFAULT_CONNECTION_OPTIONS,
  ) {
    this.#backoff = new Backoff(options.backoff, options.random);
  }

  get online(): boolean {
    return this.#socket?.connected === true;
  }

  start(): void {
    if (this.#running || this.#retired) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake.abort();
    this.#endAttempt?.();
    await this.#loop;
    this.#loop = null;
  }

  /**
   * The device was taken over: close the connection, stop the loop, and
   * refuse every later send and ack (DEVICE_TAKEN_OVER), for good.
   */
  retire(): Promise<void> {
    this.#retired = true;
    return this.stop();
  }

  get retired(): boolean {
    return this.#retired;
  }

  /** Stop waiting and try now (e.g. the OS reports the network is back). */
  reconnectNow(): void {
    this.#backoff.reset();
    this.#wake.abort();
  }

  /** Sends envelopes; resolves with the relay's answer (ok: true means durably committed). */
  send(request: SendRequest): Promise<SendResult> {
    return this.#request(sendResultSchema, 'send', (socket, answer) => socket.emit('send', request, answer));
  }

  /** Tells the relay these envelopes are stored here, so it deletes them. */
  ack(envelopeIds: string[]): Promise<AckResult> {
    return this.#request(ackResultSchema, 'ack', (socket, answer) => socket.emit('ack', { envelopeIds }, answer));
  }

  #request<S extends z.ZodType>(
    schema: S,
    what: string,
    emit: (socket: RelaySocket, answer: (result: unknown) => void) => void,
  ): Promise<z.output<S>> {
    if (this.#retired) {
      return Promise.reject(
        new RelayCallError(RelayErrorCode.DeviceTakenOver, `${what}: another install holds this device`),
      );
    }
    const socket = this.#socket;
    if (socket === null || !socket.connected) {
      return Promise.reject(new RelayCallError(RelayFailure.Disconnected, `${what}: not connected`));
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: RelayCallError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#pending.delete(fail);
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new RelayCallError(RelayFailure.Timeout, `${what}: no answer in time`)),
        this.options.requestTimeoutMs,
      );
      this.#pending.add(fail);
      emit(socket, (result: unknown) => {
        if (settled) return;
        const parsed = schema.safeParse(result);
        if (!parsed.success) {
          fail(new RelayCallError(RelayFailure.BadResponse, `${what}: answer does not match the wire schema`));
          return;
        }
        settled = true;
        clearTimeout(timer);
        this.#pending.delete(fail);
        resolve(parsed.data);
        const answer = parsed.data as { ok?: boolean; error?: RelayError };
        if (answer.ok === false) this.#noticeTakeover(answer.error?.code);
      });
    });
  }

  async #run(): Promise<void> {
    while (this.#running) {
      this.state.set('connecting');
      let token: string;
      try {
        token = await this.tokens.get();
      } catch (error) {
        this.logger.warn('relay login failed', { relay: this.relayUrl, error: describeError(error) });
        if (RelayCallError.is(error)) this.#noticeTakeover(error.code);
        await this.#pause();
        continue;
      }
      if (!this.#running) break;
      const outcome = await this.#attempt(token);
      if (outcome.kind === 'refused') {
        const code = outcome.error?.code;
        if (code === RelayErrorCode.TokenExpired || code === RelayErrorCode.Unauthorized) {
          this.tokens.invalidate(token);
        }
        if (outcome.error === null) {
          this.logger.info('relay unreachable', { relay: this.relayUrl });
        } else {
          this.logger.warn('relay refused the connection', { relay: this.relayUrl, code: outcome.error.code });
          this.handlers.relayError(outcome.error);
          this.#noticeTakeover(outcome.error.code);
        }
      } else {
        this.logger.info('relay connection closed', { relay: this.relayUrl, reason: outcome.reason });
        const stableAfter = this.options.stableAfterMs ?? DEFAULT_STABLE_AFTER_MS;
        if (outcome.onlineForMs !== null && outcome.onlineForMs >= stableAfter) this.#backoff.reset();
      }
      await this.#pause();
    }
    this.state.set('offline');
  }

  /** Waits the backoff delay (interruptible by reconnectNow/stop), showing 'offline' meanwhile. */
  async #pause(): Promise<void> {
    if (!this.#running) return;
    this.state.set('offline');
    // reconnectNow() during the attempt: try again without waiting.
    if (!this.#wake.signal.aborted) await sleep(this.#backoff.next(), this.#wake.signal);
    if (this.#wake.signal.aborted) this.#wake = new AbortController();
  }

  /** One connection, from handshake to close. */
  #attempt(token: string): Promise<AttemptOutcome> {
    const { origin, path } = socketEndpoint(this.relayUrl);
    return new Promise((resolve) => {
      const socket: RelaySocket = io(origin, {
        path,
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        timeout: this.options.connectTimeoutMs,
        // Called for this handshake: the freshest token we hold (the loop just fetched one).
        auth: (callback) => callback({ token: this.tokens.peek() ?? token, wireVersion: WIRE_VERSION }),
      });
      let connectedAt: number | null = null;
      let finished = false;
      const onlineFor = () => (connectedAt === null ? null : performance.now() - connectedAt);
      const finish = (outcome: AttemptOutcome) => {
        if (finished) return;
        finished = true;
        if (this.#socket === socket) this.#socket = null;
        this.#endAttempt = null;
        socket.removeAllListeners();
        socket.disconnect();
        for (const fail of [...this.#pending]) fail(new RelayCallError(RelayFailure.Disconnected, 'connection lost'));
        resolve(outcome);
      };
      this.#endAttempt = () => finish({ kind: 'closed', onlineForMs: onlineFor(), reason: 'closed by the engine' });

      socket.on('connect', () => {
        if (!this.#running) {
          finish({ kind: 'closed', onlineForMs: null, reason: 'stopped' });
          return;
        }
        connectedAt = performance.now();
        this.#socket = socket;
        this.state.set('online');
        this.handlers.connected();
      });
      socket.on('connect_error', (error: Error) => {
        const parsed = relayErrorSchema.safeParse((error as Error & { data?: unknown }).data);
        finish({ kind: 'refused', error: parsed.success ? parsed.data : null });
      });
      socket.on('disconnect', (reason) => finish({ kind: 'closed', onlineForMs: onlineFor(), reason }));
      socket.on('envelopes', (batch: unknown) => {
        const parsed = envelopeBatchSchema.safeParse(batch);
        if (!parsed.success) {
          // Not acked, so the relay keeps it; nothing malformed reaches the vault or the database.
          this.logger.error('relay sent a malformed envelope batch', { relay: this.relayUrl });
          return;
        }
        this.handlers.envelopes(parsed.data);
      });
      socket.on('queue-empty', () => this.handlers.queueEmpty());
      socket.on('prekeys-low', (counts: unknown) => {
        const parsed = preKeysLowSchema.safeParse(counts);
        if (parsed.success) this.handlers.preKeysLow(parsed.data);
      });
      socket.on('relay-error', (error: unknown) => {
        const parsed = relayErrorSchema.safeParse(error);
        if (!parsed.success) return;
        if (parsed.data.code === RelayErrorCode.TokenExpired) this.tokens.invalidate(token);
        this.handlers.relayError(parsed.data);
        this.#noticeTakeover(parsed.data.code);
      });
    });
  }

  /** Reports DEVICE_TAKEN_OVER once; the handler retires this connection. */
  #noticeTakeover(code: string | undefined): void {
    if (!this.#retired && isTakeoverCode(code)) this.handlers.takenOver();
  }
}
