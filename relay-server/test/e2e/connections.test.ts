/**
 * Connections a client cannot hold for ever, against real relay processes:
 * a request trickled byte by byte (body or headers) or a connection that
 * sends nothing is closed after the request or headers timeout (slowloris),
 * a graceful stop finishes promptly with such a connection open, websockets
 * are not cut by those timeouts, and one client address may hold only so
 * many connections: TCP connections without a proxy, websockets plus HTTP
 * requests by forwarded address with --trust-proxy.
 */
import { type Socket, connect as tcpConnect } from 'node:net';
import { routes } from '@parley/crypto-core/wire';
import { connect, errorOf, httpOf, payload, RelayProcess, registerDevice, sleep } from '@parley/test-support';
import { afterAll, describe, expect, it } from 'vitest';

const relays: RelayProcess[] = [];

async function start(args: readonly string[]): Promise<RelayProcess> {
  const relay = await RelayProcess.start({ args });
  relays.push(relay);
  return relay;
}

afterAll(async () => {
  await Promise.all(relays.map((relay) => relay.dispose()));
});

interface RawConnection {
  readonly socket: Socket;
  /** Everything the relay sent. */
  received(): string;
  /** Resolves with ms from opening to the relay closing it, or rejects after `timeoutMs`. */
  closedWithin(timeoutMs: number): Promise<number>;
}

/** A TCP connection to the relay that the test writes to by hand. */
function rawConnection(relay: RelayProcess): Promise<RawConnection> {
  const url = new URL(relay.url);
  return new Promise((resolve, reject) => {
    const opened = Date.now();
    const socket = tcpConnect({ host: url.hostname, port: Number(url.port) });
    let text = '';
    let closedAt: number | null = null;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closedAt = Date.now();
    });
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => text,
        closedWithin: async (timeoutMs) => {
          const deadline = Date.now() + timeoutMs;
          while (closedAt === null && Date.now() < deadline) await sleep(50);
          if (closedAt === null) throw new Error(`the relay kept the connection open for ${timeoutMs} ms`);
          return closedAt - opened;
        },
      }),
    );
    socket.once('error', reject);
  });
}

/** Writes `text` one byte every `everyMs` until the connection closes; returns a stop function. */
function trickle(connection: RawConnection, text: string, everyMs: number): () => void {
  let index = 0;
  const timer = setInterval(() => {
    if (connection.socket.destroyed || index >= text.length) return;
    connection.socket.write(text[index++] ?? '');
  }, everyMs);
  connection.socket.once('close', () => clearInterval(timer));
  return () => clearInterval(timer);
}

const SLOW_POST = `POST ${routes.challenge} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`;

describe('slow clients', () => {
  it('closes a request whose body trickles in, and one whose headers do, and a connection that sends nothing', async () => {
    const relay = await start(['--request-timeout', '2s', '--headers-timeout', '1s']);
    const slowBody = await rawConnection(relay);
    slowBody.socket.write(SLOW_POST);
    const stopBody = trickle(slowBody, '{"accountId":"'.padEnd(1000, 'a'), 200);
    const slowHeaders = await rawConnection(relay);
    const stopHeaders = trickle(
      slowHeaders,
      'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 12345678901234567890',
      100,
    );
    const silent = await rawConnection(relay);
    try {
      // Each limit, plus up to a second for Node's timeout check, plus slack for a busy machine.
      expect(await slowBody.closedWithin(10_000)).toBeGreaterThanOrEqual(1900);
      expect(slowBody.received()).toContain('408');
      expect(await slowHeaders.closedWithin(10_000)).toBeGreaterThanOrEqual(900);
      expect(await silent.closedWithin(10_000)).toBeGreaterThanOrEqual(900);
    } finally {
      stopBody();
      stopHeaders();
      for (const connection of [slowBody, slowHeaders, silent]) connection.socket.destroy();
    }
    expect((await httpOf(relay).request(routes.health)).status).toBe(200);
  });

  it('leaves websockets alone: they outlive the request timeout', async () => {
    const relay = await start(['--request-timeout', '1s', '--headers-timeout', '1s']);
    const http = httpOf(relay);
    const alice = await registerDevice(http);
    const bob = await registerDevice(http);
    const socket = await connect(relay, alice.token);
    const inbox = await connect(relay, bob.token);
    try {
      // Well past both timeouts and Node's check of them.
      await sleep(3000);
      expect(socket.disconnected).toBe(false);
      const sent = await socket.send({
        recipient: bob.device.accountId,
        messages: [{ deviceId: 1, type: 'message', content: payload('still here') }],
      });
      expect(sent.ok).toBe(true);
      await inbox.waitFor(() => inbox.received.length === 1, 10_000, 'delivery');
    } finally {
      socket.close();
      inbox.close();
    }
  });

  it('stops gracefully within seconds even while a client trickles a request body', async () => {
    // The default timeouts (30 s): it is the stop itself that must not wait for the slow client.
    const relay = await start([]);
    const slow = await rawConnection(relay);
    slow.socket.write(SLOW_POST);
    const stop = trickle(slow, '{"accountId":"'.padEnd(1000, 'a'), 200);
    try {
      await sleep(300);
      const stopping = Date.now();
      const exit = await Promise.race([
        relay.stop('SIGTERM'),
        sleep(15_000).then(() => ({ code: 'still running after 15 s', signal: null })),
      ]);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - stopping).toBeLessThan(10_000);
    } finally {
      stop();
      slow.socket.destroy();
    }
  });
});

describe('connections per client address', () => {
  /** GET /healthz on a new connection: the status, or 0 when the relay closed the connection unanswered. */
  async function healthOnNewConnection(relay: RelayProcess, headers: Record<string, string> = {}): Promise<number> {
    const connection = await rawConnection(relay);
    const extra = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    connection.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Connection: close\r\n\r\n`);
    await connection.closedWithin(10_000);
    const status = /^HTTP\/1\.1 (\d{3})/.exec(connection.received());
    return status === null ? 0 : Number(status[1]);
  }

  it('closes TCP connections over the cap at once, and has room again once some close', async () => {
    const relay = await start(['--max-connections-per-ip', '4']);
    const device = await registerDevice(httpOf(relay));
    // fetch keeps registerDevice's connection alive: with the websocket and an idle connection, 3 slots at most.
    const socket = await connect(relay, device.token);
    const idle = await rawConnection(relay);
    try {
      let refused = false;
      // fetch's keep-alive connections may still hold slots for a moment: open until one is refused (bounded).
      const extra: RawConnection[] = [];
      for (let i = 0; i < 10 && !refused; i++) {
        const status = await healthOnNewConnection(relay).catch(() => 0);
        if (status === 0) refused = true;
        else extra.push(await rawConnection(relay));
      }
      expect(refused).toBe(true);
      for (const connection of extra) connection.socket.destroy();
      idle.socket.destroy();
      // With connections closed there is room again (the relay notices a close asynchronously).
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = await healthOnNewConnection(relay).catch(() => 0);
        if (status !== 200) await sleep(100);
      }
      expect(status).toBe(200);
      expect(socket.disconnected).toBe(false);
      const metrics = String((await httpOf(relay).request(routes.metrics)).body);
      expect(metrics).toMatch(/parley_relay_limit_refusals_total\{code="TOO_MANY_CONNECTIONS"\} [1-9]/);
    } finally {
      socket.close();
      idle.socket.destroy();
    }
  });

  it('behind a proxy, counts websockets and HTTP requests together by forwarded address', async () => {
    const relay = await start(['--trust-proxy', '--registration', 'open', '--max-connections-per-ip', '2']);
    const http = httpOf(relay);
    const device = await registerDevice(http);
    const client = { 'x-forwarded-for': '198.51.100.7' };
    const first = await connect(relay, device.token, { headers: client });
    const second = await connect(relay, device.token, { headers: client });
    try {
      const third = await connect(relay, device.token, { headers: client });
      await third.waitFor(() => third.disconnected, 10_000, 'the third websocket is closed');
      expect(third.relayErrors.map((error) => error.code)).toEqual(['TOO_MANY_CONNECTIONS']);

      const refused = await http.request(routes.health, { headers: client });
      expect(refused.status).toBe(429);
      expect(errorOf(refused).code).toBe('TOO_MANY_CONNECTIONS');
      expect((await http.request(routes.health, { headers: { 'x-forwarded-for': '198.51.100.8' } })).status).toBe(200);

      first.close();
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = (await http.request(routes.health, { headers: client })).status;
        if (status !== 200) await sleep(100);
      }
      expect(status).toBe(200);
      expect(second.disconnected).toBe(false);
    } finally {
      first.close();
      second.close();
    }
  });
});
