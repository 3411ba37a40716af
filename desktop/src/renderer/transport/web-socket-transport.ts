/**
 * The vault transport in a browser: the web shell's vault socket
 * (common/web-shell-protocol.ts). Browser code; also runs in Node tests with
 * the `ws` package's WebSocket injected through `createSocket`.
 *
 * - Each call gets an id; its promise settles with the shell's answer, or
 *   rejects with a VaultTransportError on timeout or when the connection
 *   drops after the call was sent (it may have run: the caller decides).
 * - Calls made while not connected wait (unsent, so safe) and go out once
 *   the shell accepts the token; their timeout runs meanwhile.
 * - Dropped connections are retried with exponential backoff and jitter.
 *   Not retried: a refused token (4401: the shell restarted with a new one),
 *   and a takeover by another page (4409); both reject every call with a
 *   clear error, and the state tells the UI what to say. `useToken` (the new
 *   URL pasted into this tab) and `reconnectNow` (the UI's Reconnect) start
 *   again from there. A refused upgrade (foreign Host or Origin) is
 *   indistinguishable from a stopped shell in a browser, so it is retried.
 * - Events missed while disconnected are not replayed: on 'open' after a
 *   reconnect, the engine should re-read getStatus.
 */
import type { VaultTransport } from '../../common/invoke.js';
import type { Result } from '../../common/result.js';
import type { VaultEventName } from '../../common/vault-api.js';
import { type CallFrame, readShellFrame, type ShellFrame } from '../../common/web-shell-frames.js';
import { VaultSocketCloseCode } from '../../common/web-shell-protocol.js';
import { VaultTransportError, type VaultTransportErrorCode } from './transport-error.js';

export type ConnectionState =
  /** Not started: the first connect() or call() connects. */
  | 'idle'
  | 'connecting'
  /** The shell accepted the token; calls flow. */
  | 'open'
  /** The connection dropped; the next attempt is scheduled. */
  | 'reconnecting'
  /** The shell refused the token. Nothing retries until useToken() or reconnectNow(). */
  | 'refused'
  /** Another page took over the vault. connect() takes it back. */
  | 'superseded'
  /** close() was called. Final. */
  | 'closed';

export interface ReconnectDelays {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface WebSocketTransportOptions {
  /** ws://127.0.0.1:PORT/vault */
  readonly url: string;
  readonly token: string;
  /** Per call, from call() to answer (default 60 s: unlock runs Argon2id). */
  readonly callTimeoutMs?: number;
  readonly reconnect?: ReconnectDelays;
  /** Defaults to the browser's WebSocket. */
  readonly createSocket?: (url: string) => WebSocket;
}

interface PendingCall {
  readonly frame: string;
  sent: boolean;
  readonly resolve: (result: Result<unknown>) => void;
  readonly reject: (error: VaultTransportError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

const FINAL_ERRORS: Partial<Record<ConnectionState, { code: VaultTransportErrorCode; message: string }>> = {
  refused: {
    code: 'FORBIDDEN',
    message: 'the web shell refused this page: open the URL it printed (it may have been restarted)',
  },
  superseded: { code: 'SUPERSEDED', message: 'Parley was opened in another tab, which now holds the vault' },
  closed: { code: 'CLOSED', message: 'the vault connection was closed' },
};

export class WebSocketTransport implements VaultTransport {
  readonly kind = 'web-shell';
  readonly #url: string;
  #token: string;
  readonly #callTimeoutMs: number;
  readonly #reconnect: ReconnectDelays;
  readonly #createSocket: (url: string) => WebSocket;

  readonly #pending = new Map<number, PendingCall>();
  readonly #eventListeners = new Set<(name: VaultEventName, payload: unknown) => void>();
  readonly #stateListeners = new Set<(state: ConnectionState) => void>();
  readonly #openWaiters = new Set<{ resolve: () => void; reject: (error: VaultTransportError) => void }>();
  #state: ConnectionState = 'idle';
  #socket: WebSocket | null = null;
  #nextId = 1;
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** The message of the shell's last error frame, shown when it then closes the socket. */
  #lastShellError: string | null = null;

  constructor(options: WebSocketTransportOptions) {
    this.#url = options.url;
    this.#token = options.token;
    this.#callTimeoutMs = options.callTimeoutMs ?? 60_000;
    this.#reconnect = options.reconnect ?? { initialMs: 250, maxMs: 5_000 };
    this.#createSocket = options.createSocket ?? ((url) => new WebSocket(url));
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Resolves once the shell accepted the token; rejects if it refuses, another page takes over, or close() is called. */
  connect(): Promise<void> {
    if (this.#state === 'open') return Promise.resolve();
    const final = this.#finalError();
    if (final && this.#state !== 'superseded') return Promise.reject(final);
    const opened = new Promise<void>((resolve, reject) => this.#openWaiters.add({ resolve, reject }));
    if (this.#state === 'idle' || this.#state === 'superseded') this.#open();
    return opened;
  }

  call(method: string, args: unknown): Promise<Result<unknown>> {
    const final = this.#finalError();
    if (final) return Promise.reject(final);
    const id = this.#nextId++;
    const frame = JSON.stringify({ id, method, args } satisfies CallFrame);
    const answer = new Promise<Result<unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new VaultTransportError('TIMEOUT', `the vault did not answer ${method} within ${this.#callTimeoutMs} ms`),
        );
      }, this.#callTimeoutMs);
      this.#pending.set(id, { frame, sent: false, resolve, reject, timer });
    });
    if (this.#state === 'open') this.#flush();
    else if (this.#state === 'idle') this.#open();
    return answer;
  }

  onEvent(listener: (name: VaultEventName, payload: unknown) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  onStateChange(listener: (state: ConnectionState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /**
   * A new launch token (the shell restarted and its new URL was opened in
   * this tab): from now on the page presents it, and unless the current
   * connection is open it connects with it at once.
   */
  useToken(token: string): void {
    if (this.#state === 'closed') return;
    const changed = token !== this.#token;
    this.#token = token;
    if (this.#state === 'open' || (!changed && this.#state === 'connecting')) return;
    this.reconnectNow();
  }

  /**
   * Connects now instead of waiting for the next retry, also after the shell
   * refused the token or another tab took over (the UI's Reconnect). A
   * connection still being made is dropped and made again.
   */
  reconnectNow(): void {
    if (this.#state === 'closed' || this.#state === 'open') return;
    clearTimeout(this.#reconnectTimer);
    this.#dropSocket();
    this.#open();
  }

  close(): void {
    if (this.#state === 'closed') return;
    clearTimeout(this.#reconnectTimer);
    const socket = this.#socket;
    this.#socket = null;
    socket?.close(1000, 'closed');
    this.#enterFinal('closed');
  }

  #finalError(): VaultTransportError | null {
    const final = FINAL_ERRORS[this.#state];
    if (!final) return null;
    const detail = this.#state === 'refused' && this.#lastShellError ? ` (${this.#lastShellError})` : '';
    return new VaultTransportError(final.code, final.message + detail);
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const listener of this.#stateListeners) listener(state);
  }

  #open(): void {
    this.#setState(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    this.#lastShellError = null;
    const socket = this.#createSocket(this.#url);
    this.#socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ token: this.#token }));
    socket.onmessage = (event: MessageEvent) => {
      if (this.#socket === socket) this.#onFrame(readShellFrame(event.data));
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.#socket === socket) this.#onClose(event.code);
    };
    // An 'error' is always followed by 'close', which does the work.
    socket.onerror = () => {};
  }

  #onFrame(frame: ShellFrame | null): void {
    // An unreadable frame from the shell is a version mismatch or a bug; the call it answered times out.
    if (!frame) return;
    switch (frame.kind) {
      case 'ready':
        this.#attempt = 0;
        this.#setState('open');
        for (const waiter of this.#openWaiters) waiter.resolve();
        this.#openWaiters.clear();
        this.#flush();
        return;
      case 'result': {
        const pending = this.#pending.get(frame.id);
        if (!pending) return; // timed out already
        this.#pending.delete(frame.id);
        clearTimeout(pending.timer);
        pending.resolve(frame.result);
        return;
      }
      case 'event':
        for (const listener of this.#eventListeners) listener(frame.name, frame.payload);
        return;
      case 'error':
        this.#lastShellError = frame.message;
        return;
    }
  }

  #flush(): void {
    const socket = this.#socket;
    if (!socket) return;
    for (const pending of this.#pending.values()) {
      if (pending.sent) continue;
      socket.send(pending.frame);
      pending.sent = true;
    }
  }

  /** Forgets the current socket (its events are ignored from now on) and closes it. */
  #dropSocket(): void {
    const socket = this.#socket;
    if (socket === null) return;
    this.#socket = null;
    this.#failSentCalls();
    socket.close(1000, 'reconnecting');
  }

  /** Sent calls may or may not have run; unsent ones wait for the next connection. */
  #failSentCalls(): void {
    for (const [id, pending] of this.#pending) {
      if (!pending.sent) continue;
      this.#pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(
        new VaultTransportError('DISCONNECTED', 'the connection to the web shell dropped during the call'),
      );
    }
  }

  #onClose(code: number): void {
    this.#socket = null;
    this.#failSentCalls();
    if (code === VaultSocketCloseCode.Forbidden) {
      this.#enterFinal('refused');
      return;
    }
    if (code === VaultSocketCloseCode.Superseded) {
      this.#attempt = 0;
      this.#enterFinal('superseded');
      return;
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    this.#attempt += 1;
    this.#setState('reconnecting');
    const ceiling = Math.min(this.#reconnect.maxMs, this.#reconnect.initialMs * 2 ** (this.#attempt - 1));
    // Full jitter on the upper half: spreads retries without ever retrying at once.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.#reconnectTimer = setTimeout(() => this.#open(), delay);
  }

  /** Enters refused, superseded or closed: every waiting call and connect() rejects with the reason. */
  #enterFinal(state: 'refused' | 'superseded' | 'closed'): void {
    this.#setState(state);
    const error = this.#finalError();
    if (!error) return;
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    for (const waiter of this.#openWaiters) waiter.reject(error);
    this.#openWaiters.clear();
  }
}
