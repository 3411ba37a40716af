/**
 * A small typed relay client for tests: HTTP through fetch (every response
 * checked against its wire schema), and a socket.io-client connection that
 * records what it receives, acks on request or automatically, and fails
 * pending sends when the connection drops (as a real client's outbox would
 * see it), so tests can resend.
 */
import {
  type AckResult,
  ackResultSchema,
  type ChallengeResponse,
  type ClientToServerEvents,
  challengeResponseSchema,
  type Envelope,
  envelopeBatchSchema,
  errorResponseSchema,
  type PreKeyBundlesResponse,
  type PreKeyCountResponse,
  type PreKeysLow,
  parseWire,
  preKeyBundlesResponseSchema,
  preKeyCountResponseSchema,
  type RelayError,
  routes,
  type SendRequest,
  type SendResult,
  type ServerToClientEvents,
  sendResultSchema,
  type TokenResponse,
  tokenResponseSchema,
  WIRE_VERSION,
} from '@parley/crypto-core/wire';
import { io, type Socket } from 'socket.io-client';
import type { TestDevice } from './test-device.js';

export interface HttpResult {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

export interface RequestOptions {
  readonly method?: string;
  /** JSON-encoded unless `rawBody` is given. */
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly contentType?: string;
  readonly token?: string;
  /** More request headers (e.g. X-Forwarded-For, as a proxy would set it). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The error body of a failed response (checked against errorResponseSchema). */
export function errorOf(result: HttpResult): RelayError {
  return parseWire(errorResponseSchema, result.body, 'error response').error;
}

export class RelayHttp {
  /**
   * `baseUrl` is where requests go; `relayUrl` is the URL challenges are
   * signed for (the relay's public URL), the same unless a test plays a
   * client that reaches the relay by another name.
   */
  constructor(
    readonly baseUrl: string,
    readonly relayUrl: string = baseUrl,
  ) {}

  async request(path: string, options: RequestOptions = {}): Promise<HttpResult> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: options.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
    });
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json'))
      parsed = text === '' ? undefined : JSON.parse(text);
    return { status: response.status, body: parsed, headers: response.headers };
  }

  async challenge(device: TestDevice): Promise<ChallengeResponse> {
    const result = await this.request(routes.challenge, {
      body: { accountId: device.accountId, deviceId: device.deviceId },
    });
    if (result.status !== 200) throw new Error(`challenge failed: ${JSON.stringify(result.body)}`);
    return parseWire(challengeResponseSchema, result.body, 'challenge response');
  }

  /** Registers the device with all its prekeys (and an invite code, if given); returns its first token. */
  async register(device: TestDevice, inviteCode?: string): Promise<TokenResponse> {
    const result = await this.tryRegister(device, inviteCode);
    if (result.status !== 201) throw new Error(`register failed (${result.status}): ${JSON.stringify(result.body)}`);
    return parseWire(tokenResponseSchema, result.body, 'register response');
  }

  /** POST /v1/accounts for the device, with a fresh challenge; the answer as it came. */
  async tryRegister(device: TestDevice, inviteCode?: string): Promise<HttpResult> {
    const { challenge } = await this.challenge(device);
    const body = device.registerRequest(challenge, this.relayUrl);
    return this.request(routes.accounts, { body: inviteCode === undefined ? body : { ...body, inviteCode } });
  }

  async token(device: TestDevice): Promise<TokenResponse> {
    const { challenge } = await this.challenge(device);
    const result = await this.request(routes.token, { body: device.tokenRequest(challenge, this.relayUrl) });
    if (result.status !== 200) throw new Error(`token failed (${result.status}): ${JSON.stringify(result.body)}`);
    return parseWire(tokenResponseSchema, result.body, 'token response');
  }

  bundlesPath(accountId: string, deviceId?: number): string {
    return deviceId === undefined ? `${routes.bundles}/${accountId}` : `${routes.bundles}/${accountId}/${deviceId}`;
  }

  async fetchBundles(token: string, accountId: string, deviceId?: number): Promise<PreKeyBundlesResponse> {
    const result = await this.request(this.bundlesPath(accountId, deviceId), { token });
    if (result.status !== 200)
      throw new Error(`bundle fetch failed (${result.status}): ${JSON.stringify(result.body)}`);
    return parseWire(preKeyBundlesResponseSchema, result.body, 'bundles response');
  }

  async preKeyCount(token: string): Promise<PreKeyCountResponse> {
    const result = await this.request(routes.keyCount, { token });
    if (result.status !== 200) throw new Error(`count failed (${result.status}): ${JSON.stringify(result.body)}`);
    return parseWire(preKeyCountResponseSchema, result.body, 'count response');
  }
}

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Thrown for a send or ack that was pending when the connection dropped. */
export class DisconnectedError extends Error {
  override readonly name = 'DisconnectedError';
}

export interface DeviceSocketOptions {
  /** Ack every received batch as soon as it is recorded (default true). */
  readonly autoAck?: boolean;
  /** Extra headers of the websocket handshake (e.g. X-Forwarded-For, as a proxy would set it). */
  readonly headers?: Readonly<Record<string, string>>;
}

export class DeviceSocket {
  readonly socket: ClientSocket;
  /** Every envelope received, in arrival order (duplicates included). */
  readonly received: Envelope[] = [];
  readonly relayErrors: RelayError[] = [];
  readonly preKeysLow: PreKeysLow[] = [];
  queueEmptyCount = 0;
  /** Envelope count received before the first queue-empty (-1 until it came). */
  receivedAtQueueEmpty = -1;
  readonly #pending = new Set<(error: Error) => void>();
  readonly #waiters = new Set<() => void>();
  #disconnected = false;

  private constructor(url: string, token: string, options: DeviceSocketOptions) {
    this.socket = io(url, {
      transports: ['websocket'],
      auth: { token, wireVersion: WIRE_VERSION },
      reconnection: false,
      forceNew: true,
      autoConnect: false,
      ...(options.headers === undefined ? {} : { extraHeaders: { ...options.headers } }),
    });
    const autoAck = options.autoAck ?? true;
    this.socket.on('envelopes', (batch) => {
      const envelopes = parseWire(envelopeBatchSchema, batch, 'envelope batch');
      this.received.push(...envelopes);
      const stored = envelopes.filter((envelope) => envelope.ephemeral !== true).map((envelope) => envelope.id);
      if (autoAck && stored.length > 0) this.ack(stored).catch(() => undefined);
      this.#notify();
    });
    this.socket.on('queue-empty', () => {
      this.queueEmptyCount++;
      if (this.receivedAtQueueEmpty < 0) this.receivedAtQueueEmpty = this.received.length;
      this.#notify();
    });
    this.socket.on('prekeys-low', (counts) => {
      this.preKeysLow.push(counts);
      this.#notify();
    });
    this.socket.on('relay-error', (error) => {
      this.relayErrors.push(error);
      this.#notify();
    });
    this.socket.on('disconnect', () => {
      this.#disconnected = true;
      for (const fail of this.#pending) fail(new DisconnectedError('disconnected'));
      this.#pending.clear();
      this.#notify();
    });
  }

  /** Connects, or rejects with the connect_error's `data` (the relay's error body). */
  static connect(url: string, token: string, options: DeviceSocketOptions = {}): Promise<DeviceSocket> {
    const device = new DeviceSocket(url, token, options);
    return new Promise((resolve, reject) => {
      device.socket.once('connect', () => resolve(device));
      device.socket.once('connect_error', (error: Error & { data?: unknown }) => {
        device.socket.close();
        reject(Object.assign(new Error(`connect_error: ${error.message}`), { data: error.data }));
      });
      device.socket.connect();
    });
  }

  get disconnected(): boolean {
    return this.#disconnected;
  }

  #emitWithAck<T>(emit: (ack: (result: unknown) => void) => void, parse: (result: unknown) => T): Promise<T> {
    if (this.#disconnected) return Promise.reject(new DisconnectedError('not connected'));
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => reject(error);
      this.#pending.add(fail);
      emit((result) => {
        this.#pending.delete(fail);
        try {
          resolve(parse(result));
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  send(request: SendRequest): Promise<SendResult> {
    return this.#emitWithAck(
      (ack) => this.socket.emit('send', request, ack),
      (result) => parseWire(sendResultSchema, result, 'send result'),
    );
  }

  /** Emits anything as a `send` payload (for malformed-input tests). */
  sendRaw(payload: unknown): Promise<SendResult> {
    return this.#emitWithAck(
      (ack) => (this.socket.emit as (event: string, ...args: unknown[]) => void)('send', payload, ack),
      (result) => parseWire(sendResultSchema, result, 'send result'),
    );
  }

  ack(envelopeIds: string[]): Promise<AckResult> {
    return this.#emitWithAck(
      (ack) => this.socket.emit('ack', { envelopeIds }, ack),
      (result) => parseWire(ackResultSchema, result, 'ack result'),
    );
  }

  ackRaw(payload: unknown): Promise<AckResult> {
    return this.#emitWithAck(
      (ack) => (this.socket.emit as (event: string, ...args: unknown[]) => void)('ack', payload, ack),
      (result) => parseWire(ackResultSchema, result, 'ack result'),
    );
  }

  #notify(): void {
    for (const wake of this.#waiters) wake();
  }

  /** Resolves once `condition()` holds (checked on every event), or rejects after `timeoutMs`. */
  waitFor(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  close(): void {
    this.socket.close();
  }
}
