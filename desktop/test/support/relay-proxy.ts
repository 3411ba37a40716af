/**
 * A relay that lies: a small HTTP and WebSocket proxy on 127.0.0.1 in front
 * of a real relay, forwarding everything and rewriting what its hooks select.
 * Tests use it to play the malicious relay the engine must withstand: a
 * bundle with another identity key, an envelope whose source names someone
 * else.
 *
 * Relays bind challenge signatures to their URL, so a relay behind this proxy
 * is started with `--public-url <proxy URL>`: start the proxy first, then
 * the relay, then point the proxy at it (`target`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RawData, WebSocket, WebSocketServer } from 'ws';

export interface ProxyHooks {
  /** Rewrites the JSON body of an HTTP response (path without the origin). */
  httpResponse?(path: string, body: unknown): unknown;
  /** Rewrites an event the relay pushes over the socket (name and arguments). */
  socketEvent?(event: string, args: unknown[]): unknown[];
  /** Rewrites the relay's answer to a client's `send` or `ack` (the acknowledgement's arguments). */
  socketAnswer?(args: unknown[]): unknown[];
}

/**
 * socket.io over engine.io text frames: an event is `42` then a JSON array;
 * an acknowledgement is `43`, the ack id, then a JSON array.
 */
const EVENT_PREFIX = '42';
const ANSWER_FRAME = /^43(\d+)(\[.*)$/s;

export class RelayProxy {
  hooks: ProxyHooks = {};
  readonly #server: Server;
  readonly #sockets = new WebSocketServer({ noServer: true });
  url = '';
  /** The relay's URL, once it runs. */
  target = '';

  private constructor() {
    this.#server = createServer((request, response) => {
      void this.#forwardHttp(request, response);
    });
    this.#server.on('upgrade', (request, socket, head) => {
      this.#sockets.handleUpgrade(request, socket, head, (client) => this.#forwardSocket(request, client));
    });
  }

  static async start(): Promise<RelayProxy> {
    const proxy = new RelayProxy();
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.#server.address() as AddressInfo;
    proxy.url = `http://127.0.0.1:${port}`;
    return proxy;
  }

  async close(): Promise<void> {
    for (const client of this.#sockets.clients) client.terminate();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #forwardHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers.set(name, value);
    }
    const path = request.url ?? '/';
    try {
      const upstream = await fetch(`${this.target}${path}`, {
        method: request.method ?? 'GET',
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      let text = await upstream.text();
      const contentType = upstream.headers.get('content-type') ?? 'application/json';
      const rewrite = this.hooks.httpResponse;
      if (rewrite !== undefined && contentType.includes('json') && text !== '') {
        text = JSON.stringify(rewrite(path, JSON.parse(text)));
      }
      response.writeHead(upstream.status, { 'content-type': contentType });
      response.end(text);
    } catch {
      response.writeHead(502, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'proxy: relay unreachable' } }));
    }
  }

  #forwardSocket(request: IncomingMessage, client: WebSocket): void {
    const upstream = new WebSocket(`${this.target.replace(/^http/, 'ws')}${request.url ?? '/'}`);
    // ws hands text frames over as Buffers: say which they were, or they leave as binary frames.
    const pending: Array<{ data: RawData; isBinary: boolean }> = [];
    upstream.on('open', () => {
      for (const { data, isBinary } of pending.splice(0)) upstream.send(data, { binary: isBinary });
    });
    client.on('message', (data, isBinary) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
      else pending.push({ data, isBinary });
    });
    upstream.on('message', (data, isBinary) => {
      if (isBinary) client.send(data, { binary: true });
      else client.send(this.#rewriteFrame(data.toString()));
    });
    const closeBoth = () => {
      client.terminate();
      upstream.terminate();
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
  }

  #rewriteFrame(frame: string): string {
    const answer = ANSWER_FRAME.exec(frame);
    if (answer !== null) {
      const rewriteAnswer = this.hooks.socketAnswer;
      const [, id, json] = answer;
      if (rewriteAnswer === undefined || json === undefined) return frame;
      return `43${id}${JSON.stringify(rewriteAnswer(JSON.parse(json) as unknown[]))}`;
    }
    const rewrite = this.hooks.socketEvent;
    if (rewrite === undefined || !frame.startsWith(EVENT_PREFIX) || frame[2] !== '[') return frame;
    const [event, ...args] = JSON.parse(frame.slice(EVENT_PREFIX.length)) as [string, ...unknown[]];
    return `${EVENT_PREFIX}${JSON.stringify([event, ...rewrite(event, args)])}`;
  }
}
