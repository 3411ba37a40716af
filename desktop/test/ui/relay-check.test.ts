/**
 * Onboarding's relay check against small HTTP servers on 127.0.0.1: the
 * bounded health request (a relay's answer, a degraded one, something that
 * is not a relay, an endless answer, a redirect, a closed port, one that
 * never answers), the registration policy (open, invite, closed, or not said
 * by an older relay), the sentence for every outcome, and the final choice:
 * the platform's permission, asked only then.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRelayHealth, MAX_HEALTH_BODY_BYTES } from '../../src/common/relay-health.js';
import { checkRelay, chooseRelay } from '../../src/renderer/app/state/relay-check.js';
import type { RelayAccess, RelayCheck } from '../../src/renderer/platform/platform.js';

const servers: Server[] = [];

const HEALTHY = JSON.stringify({ status: 'ok', version: '0.1.0', wireVersion: 1 });

/** A server answering /healthz with `answer`, and /v1/registration with `policy` when given (404 otherwise). */
async function serve(answer: (response: import('node:http').ServerResponse) => void, policy?: string): Promise<string> {
  const server = createServer((request, response) => {
    if (request.url === '/v1/registration' && policy !== undefined) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ policy }));
      return;
    }
    if (request.url !== '/healthz') {
      response.writeHead(404).end();
      return;
    }
    answer(response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json = (status: number, body: string) => (response: import('node:http').ServerResponse) =>
  response.writeHead(status, { 'content-type': 'application/json' }).end(body);

/** The platform as the web shell has it for an allowed relay: the real bounded request. */
const checking = { checkRelay: (url: string): Promise<RelayCheck> => fetchRelayHealth(url, fetch) };

let relay: string;
let openRelay: string;
let inviteRelay: string;
let closedRelay: string;
let degraded: string;
let notRelay: string;
let endless: string;
let redirecting: string;
let silent: string;
let closedPort: string;

beforeAll(async () => {
  relay = await serve(json(200, HEALTHY));
  openRelay = await serve(json(200, HEALTHY), 'open');
  inviteRelay = await serve(json(200, HEALTHY), 'invite');
  closedRelay = await serve(json(200, HEALTHY), 'closed');
  degraded = await serve(json(503, JSON.stringify({ status: 'degraded', version: '0.1.0', wireVersion: 1 })));
  notRelay = await serve((response) => response.writeHead(200).end('<html>hello</html>'));
  endless = await serve((response) => {
    // A valid answer, padded far past the bound: never read whole.
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      `${JSON.stringify({ status: 'ok', version: '0.1.0', wireVersion: 1 })}${' '.repeat(MAX_HEALTH_BODY_BYTES)}`,
    );
  });
  redirecting = await serve((response) => response.writeHead(302, { location: `${relay}/healthz` }).end());
  silent = await serve(() => {
    // Never answers.
  });
  const closing = createServer();
  await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
  closedPort = `http://127.0.0.1:${(closing.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => closing.close(() => resolve()));
});

afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

describe('fetchRelayHealth', () => {
  it('reads a relay’s health answer, and bounds everything else', async () => {
    expect(await fetchRelayHealth(relay, fetch)).toEqual({ state: 'ok', version: '0.1.0', registration: 'unknown' });
    expect(await fetchRelayHealth(inviteRelay, fetch)).toEqual({
      state: 'ok',
      version: '0.1.0',
      registration: 'invite',
    });
    expect(await fetchRelayHealth(degraded, fetch)).toEqual({ state: 'unhealthy' });
    expect(await fetchRelayHealth(notRelay, fetch)).toEqual({ state: 'not-a-relay' });
    expect(await fetchRelayHealth(endless, fetch)).toEqual({ state: 'not-a-relay' });
    // A redirect is not followed, not even to a relay.
    expect(await fetchRelayHealth(redirecting, fetch)).toEqual({ state: 'unreachable' });
    expect(await fetchRelayHealth(closedPort, fetch)).toEqual({ state: 'unreachable' });
    const started = Date.now();
    expect(await fetchRelayHealth(silent, fetch, { timeoutMs: 300 })).toEqual({ state: 'unreachable' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    const pending = fetchRelayHealth(silent, fetch, { signal: controller.signal });
    controller.abort();
    expect(await pending).toEqual({ state: 'unreachable' });
  });
});

describe('checkRelay', () => {
  it('accepts a relay that answers its health check, with the canonical URL', async () => {
    const result = await checkRelay(`  ${openRelay}/  `, checking);
    expect(result).toEqual({
      ok: true,
      relayUrl: openRelay,
      message: 'Relay reachable (version 0.1.0).',
      registration: 'open',
    });
  });

  it('says when new accounts need an invite code, and refuses a relay closed to new accounts', async () => {
    expect(await checkRelay(inviteRelay, checking)).toEqual({
      ok: true,
      relayUrl: inviteRelay,
      message: 'Relay reachable (version 0.1.0); new accounts need an invite code from its operator.',
      registration: 'invite',
    });
    expect(await checkRelay(closedRelay, checking)).toEqual({
      ok: false,
      message: "This relay isn't accepting new accounts; choose another relay or ask the person who runs it.",
    });
  });

  it('reads a relay that does not say its policy (an older one) as unknown, and lets registration find out', async () => {
    expect(await checkRelay(relay, checking)).toMatchObject({ ok: true, registration: 'unknown' });
  });

  it('asks the platform for the canonical URL, and allows nothing', async () => {
    const asked: string[] = [];
    const platform = {
      checkRelay: async (url: string): Promise<RelayCheck> => {
        asked.push(url);
        return { state: 'not-allowed-by-shell' };
      },
      allowRelay: async (): Promise<RelayAccess> => {
        throw new Error('the live check must not allow anything');
      },
    };
    const result = await checkRelay(`${relay}/`, platform);
    expect(asked).toEqual([relay]);
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/--relay/) });
  });

  it('explains each failure in one sentence', async () => {
    const bad = await checkRelay('ftp://relay.example.org', checking);
    expect(bad).toEqual({ ok: false, message: expect.stringMatching(/http:\/\/ or https:\/\//) });
    expect((await checkRelay(closedPort, checking)).message).toMatch(/can't reach the relay/);
    expect((await checkRelay(notRelay, checking)).message).toMatch(/not a Parley relay/);
    expect((await checkRelay(degraded, checking)).message).toMatch(/reports a problem/);
    const limited = { checkRelay: async (): Promise<RelayCheck> => ({ state: 'too-many-checks' }) };
    expect((await checkRelay(relay, limited)).message).toMatch(/wait a minute/);
  });
});

describe('chooseRelay', () => {
  const answering = (access: RelayAccess) => ({ allowRelay: async (): Promise<RelayAccess> => access });

  it('registers when the relay may be reached, or reloads first when the page’s CSP lacks it', async () => {
    expect(await chooseRelay(relay, answering({ allowed: true }))).toEqual({ kind: 'register', relayUrl: relay });
    expect(await chooseRelay(relay, answering({ allowed: true, reloadRequired: true }))).toEqual({
      kind: 'reload',
      relayUrl: relay,
    });
  });

  it('says why in one sentence when the relay may not be reached', async () => {
    const sentences = await Promise.all(
      (['declined', 'list-full', 'not-allowed-by-shell', 'invalid-url'] as const).map(async (reason) => {
        const choice = await chooseRelay(relay, answering({ allowed: false, reason }));
        return choice.kind === 'refused' ? choice.message : `not refused: ${choice.kind}`;
      }),
    );
    expect(sentences[0]).toMatch(/only once you allow it; press Continue and choose Allow/);
    expect(sentences[1]).toMatch(/as many relays as Parley keeps/);
    expect(sentences[2]).toMatch(/--relay/);
    expect(sentences[3]).toMatch(/http:\/\/ or https:\/\//);
  });
});
