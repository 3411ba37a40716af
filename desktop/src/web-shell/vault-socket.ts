/**
 * The vault's WebSocket endpoint (protocol: common/web-shell-protocol.ts).
 *
 * Upgrade: Host and Origin must be the shell's own (request-guards.ts), the
 * path must be /vault; anything else gets an HTTP error with a JSON body and
 * no WebSocket. Then the first frame must carry the launch token within
 * authTimeoutMs, or the socket is closed with 4401 (wrong token) or 4408.
 *
 * One page at a time: the vault belongs to one client engine, as it does in
 * Electron's single window. When a second page presents the token, it takes
 * over and the older one is closed with 4409 (superseded), which its
 * transport does not retry, so two tabs never fight over the vault. Taking
 * over, rather than refusing the newcomer, is what makes a reload work even
 * while the old page's socket is not yet known to be dead.
 *
 * Every call goes through dispatchVaultCall, the single place where method
 * and arguments are validated; calls run concurrently, as they do over
 * Electron IPC. Frames above maxFrameBytes close the socket with 1009 (the
 * ws library enforces it before buffering more); frames that cannot be
 * attributed to a call close it with 4400; a call frame with a usable id but
 * a bad shape is answered on that id and the connection lives on.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { ApiErrorCode } from '../common/api-errors.js';
import { dispatchVaultCall } from '../common/dispatch.js';
import { fail, type Result } from '../common/result.js';
import type { VaultEventName } from '../common/vault-api.js';
import { type EventFrame, type ResultFrame, readPageFrame, type ShellToPageFrame } from '../common/web-shell-frames.js';
import {
  VAULT_SOCKET_PATH,
  VaultSocketCloseCode,
  WEB_SHELL_PROTOCOL_VERSION,
  type WebShellErrorCode,
} from '../common/web-shell-protocol.js';
import { type HostedVault, VAULT_EVENT_NAMES } from './hosted-vault.js';
import { refuseUpgrade } from './http-responses.js';
import { tokenMatches } from './launch-token.js';
import { checkHost, checkOrigin, type Refusal } from './request-guards.js';

export interface VaultSocketOptions {
  readonly vault: HostedVault;
  readonly token: string;
  readonly port: number;
  /** Largest frame accepted from the page, in bytes. */
  readonly maxFrameBytes: number;
  /** How long a new socket may take to present the token. */
  readonly authTimeoutMs: number;
  /** Ping interval; a socket that missed the previous pong is dropped. */
  readonly heartbeatIntervalMs: number;
  /** How long close() waits for vault calls already running. */
  readonly drainTimeoutMs: number;
  readonly log: (line: string) => void;
}

/** A token frame is ~60 bytes; nothing larger is read before the token is checked. */
const MAX_UNAUTHENTICATED_FRAME_BYTES = 1024;

interface Connection {
  readonly socket: WebSocket;
  authenticated: boolean;
  alive: boolean;
  authTimer: NodeJS.Timeout | undefined;
}

function frameText(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export class VaultSocketEndpoint {
  readonly #options: VaultSocketOptions;
  readonly #server: WebSocketServer;
  readonly #connections = new Set<Connection>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #heartbeat: NodeJS.Timeout;
  #active: Connection | null = null;
  #closing = false;

  constructor(options: VaultSocketOptions) {
    this.#options = options;
    this.#server = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxFrameBytes,
      // Compression of frames that mix secrets with page-chosen data invites
      // CRIME-style length leaks, and costs CPU on a loopback link.
      perMessageDeflate: false,
    });
    for (const name of VAULT_EVENT_NAMES) {
      this.#unsubscribe.push(options.vault.on(name, (payload) => this.#forwardEvent(name, payload)));
    }
    this.#heartbeat = setInterval(() => this.#checkHeartbeats(), options.heartbeatIntervalMs);
    this.#heartbeat.unref();
  }

  /** Whether a page currently holds the vault (for logs and tests). */
  get hasActivePage(): boolean {
    return this.#active !== null;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Until ws takes the socket over, a client reset must not become an uncaught 'error'.
    socket.on('error', () => socket.destroy());
    const refusal = this.#upgradeRefusal(request);
    if (refusal) {
      this.#options.log(`vault socket: refused upgrade (${refusal.status} ${refusal.code}: ${refusal.message})`);
      refuseUpgrade(socket, refusal);
      return;
    }
    this.#server.handleUpgrade(request, socket, head, (webSocket) => this.#accept(webSocket));
  }

  #upgradeRefusal(request: IncomingMessage): Refusal | null {
    const { port } = this.#options;
    const hostRefusal = checkHost(request.headers.host, port);
    if (hostRefusal) return hostRefusal;
    if ((request.url ?? '').split('?', 1)[0] !== VAULT_SOCKET_PATH) {
      return { status: 404, code: 'NOT_FOUND', message: `WebSockets are served at ${VAULT_SOCKET_PATH} only` };
    }
    const originRefusal = checkOrigin(request.headers.origin, port);
    if (originRefusal) return originRefusal;
    if (this.#closing) return { status: 503, code: 'SHUTTING_DOWN', message: 'the web shell is stopping' };
    return null;
  }

  #accept(socket: WebSocket): void {
    const connection: Connection = { socket, authenticated: false, alive: true, authTimer: undefined };
    this.#connections.add(connection);
    connection.authTimer = setTimeout(() => {
      this.#refuse(connection, 'AUTH_TIMEOUT', 'no token frame arrived in time', VaultSocketCloseCode.AuthTimeout);
    }, this.#options.authTimeoutMs);

    socket.on('pong', () => {
      connection.alive = true;
    });
    socket.on('message', (data, isBinary) => this.#onFrame(connection, data, isBinary));
    // 'error' covers oversized frames (ws then closes with 1009) and broken
    // sockets; the 'close' that always follows does the cleanup.
    socket.on('error', (error) => this.#options.log(`vault socket: ${error.message}`));
    socket.on('close', () => {
      clearTimeout(connection.authTimer);
      this.#connections.delete(connection);
      if (this.#active === connection) {
        this.#active = null;
        this.#options.log('vault socket: page disconnected');
      }
    });
  }

  #onFrame(connection: Connection, data: RawData, isBinary: boolean): void {
    // While stopping, nothing new starts; the socket is about to close with 1001.
    if (this.#closing) return;
    if (isBinary) {
      this.#refuse(connection, 'MALFORMED_FRAME', 'frames are JSON text', VaultSocketCloseCode.MalformedFrame);
      return;
    }
    const bytes = frameText(data);
    if (!connection.authenticated) {
      this.#onFirstFrame(connection, bytes);
      return;
    }
    const frame = readPageFrame(bytes.toString('utf8'));
    switch (frame.kind) {
      case 'call':
        this.#runCall(connection, frame.id, dispatchVaultCall(this.#options.vault, frame.method, frame.args));
        return;
      case 'bad-call':
        this.#send(connection, {
          id: frame.id,
          result: fail(ApiErrorCode.InvalidArgument, frame.message),
        } satisfies ResultFrame);
        return;
      case 'hello':
        this.#refuse(
          connection,
          'MALFORMED_FRAME',
          'the token was already accepted',
          VaultSocketCloseCode.MalformedFrame,
        );
        return;
      case 'malformed':
        this.#refuse(connection, 'MALFORMED_FRAME', frame.message, VaultSocketCloseCode.MalformedFrame);
        return;
    }
  }

  #onFirstFrame(connection: Connection, bytes: Buffer): void {
    const frame = bytes.length <= MAX_UNAUTHENTICATED_FRAME_BYTES ? readPageFrame(bytes.toString('utf8')) : null;
    if (frame?.kind !== 'hello') {
      this.#refuse(connection, 'FORBIDDEN', 'the first frame must be {"token": ...}', VaultSocketCloseCode.Forbidden);
      return;
    }
    if (!tokenMatches(this.#options.token, frame.token)) {
      this.#refuse(
        connection,
        'FORBIDDEN',
        'wrong token: open the URL the web shell printed',
        VaultSocketCloseCode.Forbidden,
      );
      return;
    }
    clearTimeout(connection.authTimer);
    connection.authenticated = true;
    const previous = this.#active;
    this.#active = connection;
    if (previous) {
      this.#refuse(previous, 'SUPERSEDED', 'another page took over the vault', VaultSocketCloseCode.Superseded);
    }
    this.#options.log(
      previous ? 'vault socket: page connected, the previous one was closed' : 'vault socket: page connected',
    );
    this.#send(connection, { ready: { protocol: WEB_SHELL_PROTOCOL_VERSION } });
  }

  #runCall(connection: Connection, id: number, call: Promise<Result<unknown>>): void {
    const answered = call.then(
      (result) => this.#send(connection, { id, result } satisfies ResultFrame),
      // dispatchVaultCall turns every vault failure into a Result; this is a bug guard.
      () => this.#send(connection, { id, result: fail(ApiErrorCode.Internal, 'the vault call failed') }),
    );
    this.#inFlight.add(answered);
    void answered.finally(() => this.#inFlight.delete(answered));
  }

  #forwardEvent(name: VaultEventName, payload: unknown): void {
    const active = this.#active;
    // With no page connected the event is dropped: a page that connects
    // later reads the current state with getStatus.
    if (active) this.#send(active, { event: name, payload } satisfies EventFrame);
  }

  #send(connection: Connection, frame: ShellToPageFrame): void {
    if (connection.socket.readyState !== connection.socket.OPEN) return;
    let text: string;
    try {
      text = JSON.stringify(frame);
    } catch {
      // A vault value that is not JSON (a bug): the call still gets an answer.
      if (!('id' in frame)) return;
      text = JSON.stringify({ id: frame.id, result: fail(ApiErrorCode.Internal, 'the vault answered with non-JSON') });
    }
    connection.socket.send(text);
  }

  /** Sends the reason as an error frame, then closes with `closeCode`. */
  #refuse(connection: Connection, code: WebShellErrorCode, message: string, closeCode: number): void {
    if (code !== 'SUPERSEDED' && code !== 'SHUTTING_DOWN')
      this.#options.log(`vault socket: closed (${code}: ${message})`);
    this.#send(connection, { error: { code, message } });
    // Close reasons are limited to 123 bytes; the error frame carries the full message.
    connection.socket.close(closeCode, code);
    if (this.#active === connection) this.#active = null;
  }

  #checkHeartbeats(): void {
    for (const connection of this.#connections) {
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }

  /**
   * Graceful stop: no new calls are taken, running calls finish and are
   * answered, then every socket is closed with 1001 and the vault's events
   * are let go. A page's transport reconnects and fails over to its error
   * state; calls it sent after the stop began were never run.
   */
  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#heartbeat);
    await withTimeout(Promise.allSettled([...this.#inFlight]), this.#options.drainTimeoutMs);
    for (const connection of this.#connections) {
      this.#refuse(connection, 'SHUTTING_DOWN', 'the web shell is stopping', VaultSocketCloseCode.ShuttingDown);
    }
    for (const off of this.#unsubscribe) off();
    // Sockets that do not finish the closing handshake in time are cut.
    await withTimeout(
      Promise.all([...this.#connections].map((connection) => closed(connection.socket))),
      this.#options.drainTimeoutMs,
    );
    for (const connection of this.#connections) connection.socket.terminate();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

function closed(socket: WebSocket): Promise<void> {
  if (socket.readyState === socket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
