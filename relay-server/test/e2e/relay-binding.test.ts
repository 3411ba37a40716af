/**
 * Proof of possession is bound to the relay (docs/protocol.md §3): a device
 * signs the URL of the relay it talks to, and a relay accepts only its own
 * URLs. Without that, a malicious relay could pass this relay's challenge to
 * a client logging into it and replay the client's answer here. Checked at
 * token and at registration, on a default loopback relay (127.0.0.1 and
 * its aliases localhost and [::1]), on relays with --public-url / PARLEY_RELAY_PUBLIC_URL,
 * and for the start-up warning of a non-loopback relay without one.
 */
import { routes } from '@parley/crypto-core/wire';
import { errorOf, type HttpResult, type LogLine, RelayHttp, RelayProcess, TestDevice } from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const relays: RelayProcess[] = [];

/** A relay that lets anyone register: these tests are about which URL a signature names, not who may register. */
async function start(args: readonly string[], env: Record<string, string> = {}): Promise<RelayProcess> {
  const relay = await RelayProcess.start({ args: ['--registration', 'open', ...args], env });
  relays.push(relay);
  return relay;
}

afterAll(async () => {
  await Promise.all(relays.map((relay) => relay.dispose()));
});

/** The relay's "relay listening" line. */
function listeningLine(relay: RelayProcess): LogLine | undefined {
  return relay.logLines().find((line) => typeof line.url === 'string');
}

function warnings(relay: RelayProcess): string[] {
  return relay
    .logLines()
    .filter((line) => line.level === 40)
    .map((line) => String(line.msg));
}

/** A token request whose challenge is signed for `signedFor`. */
async function tokenSignedFor(http: RelayHttp, device: TestDevice, signedFor: string): Promise<HttpResult> {
  const { challenge } = await http.challenge(device);
  return http.request(routes.token, { body: device.tokenRequest(challenge, signedFor) });
}

/** A registration whose challenge is signed for `signedFor`. */
async function registerSignedFor(http: RelayHttp, device: TestDevice, signedFor: string): Promise<HttpResult> {
  const { challenge } = await http.challenge(device);
  return http.request(routes.accounts, { body: device.registerRequest(challenge, signedFor) });
}

function expectWrongRelay(result: HttpResult, relayUrls: readonly string[]): void {
  expect(result.status).toBe(401);
  const error = errorOf(result);
  expect(error.code).toBe('INVALID_SIGNATURE');
  // The refusal says which URL to sign for, so a misconfiguration is found at once: to people and to clients.
  for (const url of relayUrls) expect(error.message).toContain(url);
  expect(error.relayUrls).toEqual(relayUrls);
}

async function expectUnregistered(http: RelayHttp, device: TestDevice): Promise<void> {
  const result = await tokenSignedFor(http, device, http.relayUrl);
  expect(errorOf(result).code).toBe('UNKNOWN_ACCOUNT');
}

describe('a relay on loopback without --public-url', () => {
  let relay: RelayProcess;
  let http: RelayHttp;
  let port: string;

  beforeAll(async () => {
    relay = await start([]);
    http = new RelayHttp(relay.url);
    port = new URL(relay.url).port;
  });

  it('derives its URL from the listen address (localhost is the same URL) and does not warn', () => {
    expect(relay.url).toBe(`http://127.0.0.1:${port}`);
    expect(listeningLine(relay)?.publicUrls).toEqual([`http://127.0.0.1:${port}`]);
    expect(warnings(relay)).toEqual([]);
  });

  it('accepts signatures for http://127.0.0.1:PORT, at registration and token', async () => {
    const device = await TestDevice.create();
    expect((await registerSignedFor(http, device, `http://127.0.0.1:${port}`)).status).toBe(201);
    expect((await tokenSignedFor(http, device, `http://127.0.0.1:${port}/`)).status).toBe(200);
  });

  it('accepts signatures for the loopback aliases localhost and [::1], at registration and token', async () => {
    const device = await TestDevice.create();
    expect((await registerSignedFor(http, device, `http://localhost:${port}`)).status).toBe(201);
    expect((await tokenSignedFor(http, device, `http://LOCALHOST:${port}`)).status).toBe(200);
    expect((await tokenSignedFor(http, device, `http://[::1]:${port}/`)).status).toBe(200);
    const viaLocalhost = new RelayHttp(relay.url, `http://localhost:${port}`);
    await expect(viaLocalhost.token(device)).resolves.toMatchObject({ accountId: device.accountId });
  });

  it('refuses a login signed for another relay: the relayed-challenge attack', async () => {
    const alice = await TestDevice.create();
    await http.register(alice);
    // Mallory runs relay A. While Alice logs into A, A fetches a challenge of
    // this relay for Alice's account and hands it to her; Alice signs it for
    // A (the relay she talks to), and A replays her answer here.
    const relayA = 'https://relay-a.example';
    const replayed = await tokenSignedFor(http, alice, relayA);
    expectWrongRelay(replayed, [`http://127.0.0.1:${port}`]);
    // Neighbours count as other relays too: another port, scheme or address.
    for (const other of [
      `http://127.0.0.1:${Number(port) + 1}`,
      `https://localhost:${port}`,
      `http://127.0.0.2:${port}`,
    ]) {
      expect(errorOf(await tokenSignedFor(http, alice, other)).code).toBe('INVALID_SIGNATURE');
    }
    // Alice's own login still works.
    await expect(http.token(alice)).resolves.toMatchObject({ accountId: alice.accountId });
  });

  it('refuses a registration signed for another relay, and stores nothing of it', async () => {
    const device = await TestDevice.create();
    expectWrongRelay(await registerSignedFor(http, device, 'https://relay-a.example'), [`http://127.0.0.1:${port}`]);
    await expectUnregistered(http, device);
  });
});

describe('a relay with --public-url', () => {
  let relay: RelayProcess;
  let http: RelayHttp;
  const primary = 'https://relay.example.org';
  const secondary = 'https://relay-2.example.org/parley';

  beforeAll(async () => {
    // Spelled loosely on purpose: the relay canonicalises as clients do.
    relay = await start(['--public-url', 'HTTPS://Relay.Example.org:443/', '--public-url', `${secondary}/`]);
    http = new RelayHttp(relay.url, primary);
  });

  it('announces the canonical URLs it accepts (the flag repeats)', () => {
    expect(listeningLine(relay)?.publicUrls).toEqual([primary, secondary]);
    expect(warnings(relay)).toEqual([]);
  });

  it('accepts signatures for each configured URL, at registration and token', async () => {
    const device = await TestDevice.create();
    expect((await registerSignedFor(http, device, `${primary}/`)).status).toBe(201);
    expect((await tokenSignedFor(http, device, primary)).status).toBe(200);
    expect((await tokenSignedFor(http, device, secondary)).status).toBe(200);
    const other = await TestDevice.create();
    expect((await registerSignedFor(http, other, secondary)).status).toBe(201);
  });

  it('then refuses its listen address: behind a proxy that is not the URL clients use', async () => {
    const listen = relay.url;
    const local = `http://localhost:${new URL(relay.url).port}`;
    const device = await TestDevice.create();
    expectWrongRelay(await registerSignedFor(http, device, listen), [primary, secondary]);
    expect(errorOf(await registerSignedFor(http, device, local)).code).toBe('INVALID_SIGNATURE');
    await expectUnregistered(http, device);

    await http.register(device);
    expectWrongRelay(await tokenSignedFor(http, device, listen), [primary, secondary]);
    expect(errorOf(await tokenSignedFor(http, device, local)).code).toBe('INVALID_SIGNATURE');
    expect(errorOf(await tokenSignedFor(http, device, 'https://relay.example.org/other')).code).toBe(
      'INVALID_SIGNATURE',
    );
  });
});

describe('a relay on a non-loopback address', () => {
  it('warns at start without --public-url, and does not accept localhost then', async () => {
    const relay = await start(['--host', '0.0.0.0']);
    const port = new URL(relay.url).port;
    const wildcard = `http://0.0.0.0:${port}`;
    expect(listeningLine(relay)?.publicUrls).toEqual([wildcard]);
    const warned = warnings(relay);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain('--public-url');
    expect(warned[0]).toContain('PARLEY_RELAY_PUBLIC_URL');

    // Reachable from other machines, so "localhost" would name whatever relay
    // runs on the client's machine: it is not this relay's URL here.
    const http = new RelayHttp(relay.url);
    const device = await TestDevice.create();
    expect(errorOf(await registerSignedFor(http, device, `http://localhost:${port}`)).code).toBe('INVALID_SIGNATURE');
    expect((await registerSignedFor(http, device, wildcard)).status).toBe(201);
  });

  it('takes PARLEY_RELAY_PUBLIC_URL (comma-separated) and does not warn', async () => {
    const relay = await start(['--host', '0.0.0.0'], {
      PARLEY_RELAY_PUBLIC_URL: 'https://a.example.org, https://b.example.org/',
    });
    expect(listeningLine(relay)?.publicUrls).toEqual(['https://a.example.org', 'https://b.example.org']);
    expect(warnings(relay)).toEqual([]);
    const http = new RelayHttp(relay.url, 'https://b.example.org');
    const device = await TestDevice.create();
    await http.register(device);
    await expect(http.token(device)).resolves.toMatchObject({ accountId: device.accountId });
    expect(errorOf(await tokenSignedFor(http, device, 'https://c.example.org')).code).toBe('INVALID_SIGNATURE');
  });
});
