/**
 * The vault socket's protocol against a recording stand-in vault: who gets
 * in (Host, Origin, path, token), what frames do (calls, malformed frames,
 * size limit), that validation happens in the shell, events, one page at a
 * time, and shutdown.
 */
import { MAX_ENVELOPE_CONTENT_BYTES, MAX_ENVELOPES_PER_BATCH } from '@parley/crypto-core/wire';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VaultSocketCloseCode } from '../../src/common/web-shell-protocol.js';
import { VAULT_EVENT_NAMES } from '../../src/host/hosted-vault.js';
import { createLaunchToken } from '../../src/web-shell/launch-token.js';
import { DEFAULT_LIMITS, type RunningWebShell, startWebShell } from '../../src/web-shell/web-shell.js';
import { createFakeVault, type FakeVault } from './support/fake-vault.js';
import { createRendererFixture, type RendererFixture } from './support/renderer-fixture.js';
import { openAccepted, openReady, openSocket, type TestSocket } from './support/socket-client.js';

const STATUS = { state: 'no-identity', keyProtection: 'passphrase', account: null } as const;

let fixture: RendererFixture;
let fake: FakeVault;
let shell: RunningWebShell;
const sockets: TestSocket[] = [];

async function ready(): Promise<TestSocket> {
  const socket = await openReady(shell);
  sockets.push(socket);
  return socket;
}

async function accepted(options: Parameters<typeof openAccepted>[1] = {}): Promise<TestSocket> {
  const socket = await openAccepted(shell, options);
  sockets.push(socket);
  return socket;
}

beforeAll(async () => {
  fixture = createRendererFixture();
  fake = createFakeVault((method) => (method === 'getStatus' ? STATUS : null));
  shell = await startWebShell({
    vault: fake.vault,
    rendererDir: fixture.rendererDir,
    limits: { authTimeoutMs: 1_500 },
  });
});

afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => socket.close()));
  fake.calls.length = 0;
});

afterAll(async () => {
  await shell.close();
  fixture.remove();
});

describe('the upgrade', () => {
  it.each([
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['a look-alike Origin', { origin: 'http://127.0.0.1.evil.example' }],
    ['the right host on another port', { origin: 'http://127.0.0.1:1' }],
    ['an https Origin', { origin: 'https://127.0.0.1:PORT' }],
    ['the null Origin (sandboxed frames, file:)', { origin: 'null' }],
    ['no Origin', { origin: null }],
  ])('refuses %s with 403 FORBIDDEN', async (_label, options) => {
    const origin = typeof options.origin === 'string' ? options.origin.replace('PORT', String(shell.port)) : null;
    const refused = await openSocket(shell, { origin });
    expect(refused).toMatchObject({ status: 403 });
    expect(JSON.parse((refused as { body: string }).body)).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });

  it('refuses a non-loopback Host with 403 FORBIDDEN, even with the right Origin', async () => {
    for (const host of ['evil.example', `rebind.attacker.example:${shell.port}`, `127.0.0.2:${shell.port}`]) {
      const refused = await openSocket(shell, { host });
      expect(refused).toMatchObject({ status: 403 });
      expect(JSON.parse((refused as { body: string }).body)).toEqual({
        error: { code: 'FORBIDDEN', message: `Host must be 127.0.0.1:${shell.port} or localhost:${shell.port}` },
      });
    }
  });

  it('accepts both of its own origins', async () => {
    for (const origin of [`http://127.0.0.1:${shell.port}`, `http://localhost:${shell.port}`]) {
      const socket = await accepted({ origin, host: `localhost:${shell.port}` });
      await socket.hello(shell.token);
      expect(socket.frames[0]).toEqual({ ready: { protocol: 1 } });
    }
  });

  it('serves WebSockets only at /vault', async () => {
    const refused = await openSocket(shell, { path: '/other' });
    expect(refused).toMatchObject({ status: 404 });
    expect(JSON.parse((refused as { body: string }).body)).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});

describe('the token', () => {
  it('refuses a wrong token with an error frame and close 4401, without touching the vault', async () => {
    const socket = await accepted();
    socket.send({ token: createLaunchToken() });
    expect(await socket.closed).toEqual({ code: VaultSocketCloseCode.Forbidden, reason: 'FORBIDDEN' });
    expect(socket.frames).toEqual([
      { error: { code: 'FORBIDDEN', message: 'wrong token: open the URL the web shell printed' } },
    ]);
    expect(fake.calls).toEqual([]);
  });

  it('refuses a call before the token (a missing token) with 4401', async () => {
    const socket = await accepted();
    socket.send({ id: 1, method: 'getStatus', args: {} });
    expect((await socket.closed).code).toBe(VaultSocketCloseCode.Forbidden);
    expect(socket.frames).toEqual([
      { error: { code: 'FORBIDDEN', message: 'the first frame must be {"token": ...}' } },
    ]);
    expect(fake.calls).toEqual([]);
  });

  it.each([
    ['an empty token', { token: '' }],
    ['a non-string token', { token: 42 }],
    ['a token with extra fields', { token: 'TOKEN', id: 1 }],
  ])('refuses %s with 4401', async (_label, frame) => {
    const socket = await accepted();
    socket.send(JSON.parse(JSON.stringify(frame).replace('TOKEN', shell.token)));
    expect((await socket.closed).code).toBe(VaultSocketCloseCode.Forbidden);
  });

  it('refuses an oversized first frame with 4401 before reading it', async () => {
    const socket = await accepted();
    socket.send({ token: shell.token, padding: 'x'.repeat(2000) });
    expect((await socket.closed).code).toBe(VaultSocketCloseCode.Forbidden);
  });

  it('closes a socket that never presents the token (4408)', async () => {
    const socket = await accepted();
    expect(await socket.closed).toEqual({ code: VaultSocketCloseCode.AuthTimeout, reason: 'AUTH_TIMEOUT' });
  });
});

describe('calls', () => {
  it('answers a call with the Result of dispatchVaultCall', async () => {
    const socket = await ready();
    expect(await socket.call('getStatus', {})).toEqual({ ok: true, value: STATUS });
    expect(fake.calls).toEqual([{ method: 'getStatus', args: {} }]);
  });

  it('treats missing args as {}', async () => {
    const socket = await ready();
    expect(await socket.call('lock')).toEqual({ ok: true, value: null });
  });

  it('answers UNKNOWN_METHOD for methods the vault API does not have, without touching the vault', async () => {
    const socket = await ready();
    for (const method of ['deleteEverything', 'constructor', '__proto__', 'toString', 'on', 42, null]) {
      const result = await socket.call(method as string, {});
      expect(result, String(method)).toEqual({
        ok: false,
        error: { code: 'UNKNOWN_METHOD', message: 'no such vault method' },
      });
    }
    expect(fake.calls).toEqual([]);
  });

  it('answers INVALID_ARGUMENT for invalid args: validation happens in the shell process, not in the vault', async () => {
    const socket = await ready();
    const invalid: [string, unknown][] = [
      ['getStatus', { extra: true }],
      ['createIdentity', { passphrase: '' }],
      ['createIdentity', { passphrase: 'x'.repeat(1025) }],
      ['signChallenge', { relayUrl: 'javascript:alert(1)', challenge: 'AAAA' }],
      ['buildPreKeyRefill', { preKeys: 201, kyberPreKeys: 0 }],
      ['signChallenge', { relayUrl: 'https://relay.example.org', challenge: 'too-short' }],
      ['getSafetyNumber', { accountId: 'not-an-account-id' }],
      ['lock', 'not an object'],
      ['lock', [1, 2]],
    ];
    for (const [method, args] of invalid) {
      const result = await socket.call(method, args);
      expect(result.ok, `${method} ${JSON.stringify(args)}`).toBe(false);
      expect(result.ok ? null : result.error.code).toBe('INVALID_ARGUMENT');
    }
    expect(fake.calls).toEqual([]);
  });

  it('answers a call frame with unexpected fields on its id, and the connection lives on', async () => {
    const socket = await ready();
    socket.send({ id: 7, method: 'getStatus', args: {}, extra: 1 });
    expect(await socket.resultOf(7)).toEqual({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: 'unexpected frame field "extra"' },
    });
    expect(await socket.call('getStatus', {})).toMatchObject({ ok: true });
  });

  it('runs calls concurrently and answers each on its own id', async () => {
    const socket = await ready();
    const release = fake.hold('lock');
    socket.send({ id: 100, method: 'lock', args: {} });
    socket.send({ id: 101, method: 'getStatus', args: {} });
    expect(await socket.resultOf(101)).toMatchObject({ ok: true });
    release();
    expect(await socket.resultOf(100)).toEqual({ ok: true, value: null });
  });
});

describe('malformed frames', () => {
  it.each([
    ['not JSON', '{"id": 1, "method": '],
    ['a JSON array', '[1, 2]'],
    ['a JSON string', '"getStatus"'],
    ['an object without id', '{"method": "getStatus"}'],
    ['a negative id', '{"id": -1, "method": "getStatus"}'],
    ['a fractional id', '{"id": 1.5, "method": "getStatus"}'],
    ['a string id', '{"id": "1", "method": "getStatus"}'],
    ['a second token frame', '{"token": "again"}'],
  ])('answers %s with an error frame and closes with 4400', async (_label, text) => {
    const socket = await ready();
    socket.sendText(text);
    expect(await socket.closed).toEqual({ code: VaultSocketCloseCode.MalformedFrame, reason: 'MALFORMED_FRAME' });
    expect(socket.frames.at(-1)).toMatchObject({ error: { code: 'MALFORMED_FRAME' } });
    expect(fake.calls).toEqual([]);
  });

  it('closes on a binary frame with 4400', async () => {
    const socket = await ready();
    socket.socket.send(Buffer.from('{"id":1,"method":"getStatus"}'));
    expect((await socket.closed).code).toBe(VaultSocketCloseCode.MalformedFrame);
  });
});

describe('frame size', () => {
  it('accepts the largest legitimate call: a decrypt of a full batch of maximal envelopes', async () => {
    const content = Buffer.alloc(MAX_ENVELOPE_CONTENT_BYTES, 7).toString('base64');
    const envelopes = Array.from({ length: MAX_ENVELOPES_PER_BATCH }, (_, index) => ({
      id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      type: 'message',
      source: { accountId: 'a'.repeat(32), deviceId: 1 },
      destinationDeviceId: 1,
      content,
      serverTimestamp: 1_700_000_000_000,
    }));
    const frame = JSON.stringify({
      id: 1,
      method: 'decrypt',
      args: { relayUrl: 'https://relay.example.org', envelopes },
    });
    expect(frame.length).toBeLessThan(DEFAULT_LIMITS.maxFrameBytes);
    const socket = await ready();
    socket.sendText(frame);
    // Through the shell, through dispatch's validation, into the vault.
    expect(await socket.resultOf(1)).toEqual({ ok: true, value: null });
    expect(fake.calls.map((call) => call.method)).toEqual(['decrypt']);
    expect(socket.socket.readyState).toBe(socket.socket.OPEN);
  });

  it('closes with 1009 on a frame over the limit', async () => {
    const socket = await ready();
    socket.sendText(JSON.stringify({ id: 1, method: 'lock', args: { pad: 'x'.repeat(DEFAULT_LIMITS.maxFrameBytes) } }));
    expect((await socket.closed).code).toBe(VaultSocketCloseCode.FrameTooLarge);
    expect(fake.calls).toEqual([]);
  });
});

describe('events', () => {
  it('forwards vault events to the page as {event, payload}', async () => {
    const socket = await ready();
    fake.emit('locked', {});
    await socket.frame(
      (frame) => typeof frame === 'object' && frame !== null && 'event' in frame && frame.event === 'locked',
    );
    expect(socket.events()).toEqual([{ event: 'locked', payload: {} }]);
  });

  it('sends nothing to a socket that has not presented the token', async () => {
    const waiting = await accepted();
    const page = await ready();
    fake.emit('locked', {});
    await page.frame((frame) => typeof frame === 'object' && frame !== null && 'event' in frame);
    expect(waiting.frames).toEqual([]);
  });
});

describe('one page at a time', () => {
  it('hands the vault to the newest page and closes the older one with 4409', async () => {
    const first = await ready();
    expect(shell.hasActivePage).toBe(true);
    const second = await ready();
    expect(await first.closed).toEqual({ code: VaultSocketCloseCode.Superseded, reason: 'SUPERSEDED' });
    expect(first.frames.at(-1)).toEqual({ error: { code: 'SUPERSEDED', message: 'another page took over the vault' } });
    expect(await second.call('getStatus', {})).toMatchObject({ ok: true });
    fake.emit('locked', {});
    await second.frame((frame) => typeof frame === 'object' && frame !== null && 'event' in frame);
    expect(first.events()).toEqual([]);
  });

  it('lets a page in after the previous one left', async () => {
    const first = await ready();
    await first.close();
    await expect.poll(() => shell.hasActivePage).toBe(false);
    const second = await ready();
    expect(await second.call('getStatus', {})).toMatchObject({ ok: true });
  });
});

describe('heartbeat', () => {
  it('drops a page that stops answering pings, and frees the vault for the next one', async () => {
    const own = await startWebShell({
      vault: createFakeVault().vault,
      rendererDir: fixture.rendererDir,
      limits: { heartbeatIntervalMs: 200 },
    });
    try {
      const hung = await openAccepted(own, { autoPong: false });
      await hung.hello(own.token);
      const answering = await openAccepted(own);
      expect((await hung.closed).code).toBe(1006);
      expect(answering.socket.readyState).toBe(answering.socket.OPEN);
      await expect.poll(() => own.hasActivePage).toBe(false);
      await answering.close();
    } finally {
      await own.close();
    }
  });
});

describe('shutdown', () => {
  it('answers the running call, takes no new one, closes the page with 1001, stops listening and lets the vault go', async () => {
    const ownFake = createFakeVault();
    const own = await startWebShell({ vault: ownFake.vault, rendererDir: fixture.rendererDir });
    // One listener per vault event.
    expect(ownFake.listenerCount()).toBe(VAULT_EVENT_NAMES.length);
    const socket = await openReady(own);
    const release = ownFake.hold('lock');
    socket.send({ id: 1, method: 'lock', args: {} });
    await expect.poll(() => ownFake.calls.length).toBe(1);
    const closing = own.close();
    socket.send({ id: 2, method: 'getStatus', args: {} });
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    expect(await socket.resultOf(1)).toEqual({ ok: true, value: null });
    expect(await socket.closed).toEqual({ code: VaultSocketCloseCode.ShuttingDown, reason: 'SHUTTING_DOWN' });
    await closing;
    expect(ownFake.calls.map((call) => call.method)).toEqual(['lock']);
    expect(
      socket.frames.some((frame) => typeof frame === 'object' && frame !== null && 'id' in frame && frame.id === 2),
    ).toBe(false);
    expect(ownFake.listenerCount()).toBe(0);
    await expect(openSocket(own)).rejects.toThrow(/ECONNREFUSED/);
    await own.close(); // idempotent
  });
});
