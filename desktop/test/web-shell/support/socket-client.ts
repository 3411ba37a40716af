/**
 * A deliberately low-level client of the vault socket for the protocol
 * tests: it sends exactly the frames a test gives it (right or wrong) and
 * records every frame and the close.
 */
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { Result } from '../../../src/common/result.js';

export interface SocketTarget {
  readonly port: number;
}

export interface OpenOptions {
  /** Default: the shell's own origin. null sends no Origin header. */
  readonly origin?: string | null;
  /** Overrides the Host header. */
  readonly host?: string;
  readonly path?: string;
  /** false: do not answer the shell's pings (a page that hung). */
  readonly autoPong?: boolean;
}

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

export interface RefusedUpgrade {
  readonly status: number;
  readonly body: string;
}

export class TestSocket {
  readonly frames: unknown[] = [];
  readonly closed: Promise<Closed>;
  readonly #waiters: { match: (frame: unknown) => boolean; resolve: (frame: unknown) => void }[] = [];
  #nextId = 1;

  constructor(readonly socket: WebSocket) {
    // Errors (an oversized frame, a reset) are always followed by 'close', which the tests inspect.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
    );
    socket.on('message', (data) => {
      const frame: unknown = JSON.parse(String(data));
      this.frames.push(frame);
      for (const waiter of [...this.#waiters]) {
        if (!waiter.match(frame)) continue;
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      }
    });
  }

  /** Resolves with the first frame (already received or to come) that matches. */
  frame(match: (frame: unknown) => boolean): Promise<unknown> {
    const seen = this.frames.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  sendText(text: string): void {
    this.socket.send(text);
  }

  send(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }

  async hello(token: string): Promise<void> {
    this.send({ token });
    await this.frame((frame) => isObject(frame) && ('ready' in frame || 'error' in frame));
  }

  /** Sends a call and waits for the answer on its id. */
  async call(method: string, args?: unknown): Promise<Result<unknown>> {
    const id = this.#nextId++;
    this.send(args === undefined ? { id, method } : { id, method, args });
    return this.resultOf(id);
  }

  async resultOf(id: number): Promise<Result<unknown>> {
    const frame = await this.frame((candidate) => isObject(candidate) && candidate.id === id);
    return (frame as { result: Result<unknown> }).result;
  }

  events(): { event: string; payload: unknown }[] {
    return this.frames.filter(
      (frame): frame is { event: string; payload: unknown } => isObject(frame) && 'event' in frame,
    );
  }

  close(): Promise<Closed> {
    this.socket.close(1000);
    return this.closed;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Opens the socket; resolves when the upgrade succeeded, or with the HTTP refusal. */
export function openSocket(target: SocketTarget, options: OpenOptions = {}): Promise<TestSocket | RefusedUpgrade> {
  const origin = options.origin === undefined ? `http://127.0.0.1:${target.port}` : options.origin;
  const socket = new WebSocket(`ws://127.0.0.1:${target.port}${options.path ?? '/vault'}`, {
    ...(origin === null ? {} : { origin }),
    autoPong: options.autoPong ?? true,
    headers: options.host === undefined ? {} : { Host: options.host },
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(new TestSocket(socket)));
    socket.once('unexpected-response', (_request, response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    socket.once('error', reject);
  });
}

export async function openAccepted(target: SocketTarget, options: OpenOptions = {}): Promise<TestSocket> {
  const opened = await openSocket(target, options);
  if (!(opened instanceof TestSocket)) throw new Error(`upgrade refused: ${opened.status} ${opened.body}`);
  return opened;
}

/** Opens the socket and presents the token. */
export async function openReady(target: SocketTarget & { readonly token: string }): Promise<TestSocket> {
  const socket = await openAccepted(target);
  await socket.hello(target.token);
  return socket;
}
