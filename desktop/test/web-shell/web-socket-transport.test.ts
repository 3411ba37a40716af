/**
 * The renderer's WebSocket transport, run in Node with the `ws` package's
 * WebSocket: against the real web shell (token, calls, events, refusal,
 * takeover) and against a scripted server for what the shell does not do on
 * demand (dropped connections, silence).
 */
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createVaultClient } from '../../src/common/invoke.js';
import { VaultTransportError } from '../../src/renderer/transport/transport-error.js';
import { type ConnectionState, WebSocketTransport } from '../../src/renderer/transport/web-socket-transport.js';
import { createLaunchToken } from '../../src/web-shell/launch-token.js';
import { type RunningWebShell, startWebShell } from '../../src/web-shell/web-shell.js';
import { createFakeVault, type FakeVault } from './support/fake-vault.js';
import { createRendererFixture, type RendererFixture } from './support/renderer-fixture.js';

const STATUS = { state: 'locked', keyProtection: 'passphrase', account: null } as const;

/** The browser's WebSocket in Node: the `ws` client with the Origin a browser would send. */
function nodeSocketFactory(origin: string): (url: string) => globalThis.WebSocket {
  // ws implements the onopen/onmessage/onclose/send/close subset the transport uses.
  return (url) => new WebSocket(url, { origin }) as unknown as globalThis.WebSocket;
}

const transports: WebSocketTransport[] = [];

function transportFor(
  target: { port: number; token: string },
  options: { callTimeoutMs?: number; reconnect?: { initialMs: number; maxMs: number } } = {},
): WebSocketTransport {
  const transport = new WebSocketTransport({
    url: `ws://127.0.0.1:${target.port}/vault`,
    token: target.token,
    createSocket: nodeSocketFactory(`http://127.0.0.1:${target.port}`),
    reconnect: { initialMs: 20, maxMs: 100 },
    ...options,
  });
  transports.push(transport);
  return transport;
}

function recordStates(transport: WebSocketTransport): ConnectionState[] {
  const states: ConnectionState[] = [];
  transport.onStateChange((state) => states.push(state));
  return states;
}

afterEach(() => {
  for (const transport of transports.splice(0)) transport.close();
});

describe('against the web shell', () => {
  let fixture: RendererFixture;
  let fake: FakeVault;
  let shell: RunningWebShell;

  beforeAll(async () => {
    fixture = createRendererFixture();
    fake = createFakeVault((method) => (method === 'getStatus' ? STATUS : null));
    shell = await startWebShell({ vault: fake.vault, rendererDir: fixture.rendererDir });
  });

  afterAll(async () => {
    await shell.close();
    fixture.remove();
  });

  it('connects with the token, calls through createVaultClient, and receives events', async () => {
    const transport = transportFor(shell);
    const states = recordStates(transport);
    await transport.connect();
    expect(states).toEqual(['connecting', 'open']);
    const client = createVaultClient(transport);
    expect(await client.invoke('getStatus', {})).toEqual({ ok: true, value: STATUS });
    const locked: unknown[] = [];
    client.on('locked', (payload) => locked.push(payload));
    fake.emit('locked', {});
    await expect.poll(() => locked).toEqual([{}]);
  });

  it('sends calls made before the connection once the token is accepted', async () => {
    const transport = transportFor(shell);
    const answers = [transport.call('getStatus', {}), transport.call('lock', {})];
    expect(transport.state).toBe('connecting');
    expect(await Promise.all(answers)).toEqual([
      { ok: true, value: STATUS },
      { ok: true, value: null },
    ]);
  });

  it('passes the shell’s validation errors through as Results', async () => {
    const transport = transportFor(shell);
    expect(await transport.call('getStatus', { unexpected: 1 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(await transport.call('noSuchMethod', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
  });

  it('stops with FORBIDDEN when the shell refuses the token, and does not retry', async () => {
    const transport = transportFor({ port: shell.port, token: createLaunchToken() });
    const states = recordStates(transport);
    const queued = transport.call('getStatus', {});
    const connecting = transport.connect();
    await expect(connecting).rejects.toMatchObject({ name: 'VaultTransportError', code: 'FORBIDDEN' });
    await expect(connecting).rejects.toThrow(/open the URL it printed.*wrong token/);
    await expect(queued).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(transport.call('getStatus', {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(states).toEqual(['connecting', 'refused']);
  });

  it('connects at once with a new token after a refusal (the new URL pasted into the tab), not before', async () => {
    const transport = transportFor({ port: shell.port, token: createLaunchToken() });
    const states = recordStates(transport);
    await expect(transport.connect()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Reconnect with the same wrong token: refused again, nothing retries by itself.
    transport.reconnectNow();
    await expect.poll(() => states).toEqual(['connecting', 'refused', 'connecting', 'refused']);
    transport.useToken(shell.token);
    await transport.connect();
    expect(transport.state).toBe('open');
    expect(await transport.call('getStatus', {})).toEqual({ ok: true, value: STATUS });
    // The token it holds now is the one a reconnect presents.
    transport.useToken(shell.token);
    expect(transport.state).toBe('open');
  });

  it('stops with SUPERSEDED when another page takes over, and takes the vault back on connect()', async () => {
    const first = transportFor(shell);
    await first.connect();
    const second = transportFor(shell);
    await second.connect();
    await expect.poll(() => first.state).toBe('superseded');
    await expect(first.call('getStatus', {})).rejects.toMatchObject({ code: 'SUPERSEDED' });
    await first.connect();
    expect(await first.call('getStatus', {})).toMatchObject({ ok: true });
    await expect.poll(() => second.state).toBe('superseded');
  });
});

describe('against a scripted server', () => {
  const token = 'scripted-token';
  let server: WebSocketServer;
  let port: number;
  let connections = 0;

  beforeAll(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    port = (server.address() as AddressInfo).port;
    server.on('connection', (socket) => {
      connections += 1;
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { token?: string; id?: number; method?: string };
        if (frame.token !== undefined) {
          socket.send(
            JSON.stringify(frame.token === token ? { ready: { protocol: 1 } } : { error: { code: 'FORBIDDEN' } }),
          );
          return;
        }
        if (frame.method === 'drop') socket.terminate();
        else if (frame.method === 'echo')
          socket.send(JSON.stringify({ id: frame.id, result: { ok: true, value: 'echo' } }));
        // 'silence': no answer at all.
      });
    });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('rejects a sent call with DISCONNECTED when the connection drops, then reconnects', async () => {
    const transport = transportFor({ port, token });
    const states = recordStates(transport);
    await transport.connect();
    const before = connections;
    await expect(transport.call('drop', {})).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await expect.poll(() => transport.state).toBe('open');
    expect(connections).toBe(before + 1);
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    expect(await transport.call('echo', {})).toEqual({ ok: true, value: 'echo' });
  });

  it('keeps calls made while reconnecting and sends them once connected again', async () => {
    const transport = transportFor({ port, token });
    await transport.connect();
    const dropped = transport.call('drop', {});
    await expect(dropped).rejects.toMatchObject({ code: 'DISCONNECTED' });
    expect(transport.state).toBe('reconnecting');
    expect(await transport.call('echo', {})).toEqual({ ok: true, value: 'echo' });
  });

  it('reconnects at once on reconnectNow instead of waiting out the backoff', async () => {
    // A minute between tries: only reconnectNow can bring it back within the test's bounds.
    const transport = transportFor({ port, token }, { reconnect: { initialMs: 60_000, maxMs: 60_000 } });
    await transport.connect();
    await expect(transport.call('drop', {})).rejects.toMatchObject({ code: 'DISCONNECTED' });
    expect(transport.state).toBe('reconnecting');
    const started = Date.now();
    transport.reconnectNow();
    expect(await transport.call('echo', {})).toEqual({ ok: true, value: 'echo' });
    expect(transport.state).toBe('open');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('rejects with TIMEOUT when no answer comes, and ignores a late one', async () => {
    const transport = transportFor({ port, token }, { callTimeoutMs: 100 });
    await expect(transport.call('silence', {})).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(await transport.call('echo', {})).toEqual({ ok: true, value: 'echo' });
  });

  it('retries with backoff while nothing listens, and rejects everything on close()', async () => {
    const closedServer = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => closedServer.once('listening', () => resolve()));
    const deadPort = (closedServer.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closedServer.close(() => resolve()));
    const transport = transportFor({ port: deadPort, token });
    const states = recordStates(transport);
    const pending = transport.call('echo', {});
    await expect.poll(() => states.filter((state) => state === 'reconnecting').length).toBeGreaterThanOrEqual(1);
    transport.close();
    await expect(pending).rejects.toBeInstanceOf(VaultTransportError);
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
    expect(transport.state).toBe('closed');
  });
});
