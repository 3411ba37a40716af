/**
 * Onboarding's relay check against small HTTP servers on 127.0.0.1: a relay's
 * health answer, a degraded one, something that is not a relay, a closed
 * port, a bad URL, a relay the platform refuses, one it allows only after
 * a reload, and the registration policy (open, invite, closed, or not said by
 * an older relay).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRelay, RELOAD_REQUIRED_MESSAGE } from '../../src/renderer/app/state/relay-check.js';
import type { RelayAccess } from '../../src/renderer/platform/platform.js';

const servers: Server[] = [];

const HEALTHY = JSON.stringify({ status: 'ok', version: '0.1.0', wireVersion: 1 });

/** A server answering /healthz with `body`, and /v1/registration with `policy` when given (404 otherwise). */
async function serve(status: number, body: string, policy?: string): Promise<string> {
  const server = createServer((request, response) => {
    if (request.url === '/v1/registration' && policy !== undefined) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ policy }));
      return;
    }
    if (request.url !== '/healthz') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const allowAll = { allowRelay: async (): Promise<RelayAccess> => ({ allowed: true }) };

let relay: string;
let openRelay: string;
let inviteRelay: string;
let closedRelay: string;
let degraded: string;
let notRelay: string;
let closedPort: string;

beforeAll(async () => {
  relay = await serve(200, HEALTHY);
  openRelay = await serve(200, HEALTHY, 'open');
  inviteRelay = await serve(200, HEALTHY, 'invite');
  closedRelay = await serve(200, HEALTHY, 'closed');
  degraded = await serve(503, JSON.stringify({ status: 'degraded', version: '0.1.0', wireVersion: 1 }));
  notRelay = await serve(200, '<html>hello</html>');
  const closing = createServer();
  await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
  closedPort = `http://127.0.0.1:${(closing.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => closing.close(() => resolve()));
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

describe('checkRelay', () => {
  it('accepts a relay that answers its health check, with the canonical URL', async () => {
    const result = await checkRelay(`  ${openRelay}/  `, allowAll);
    expect(result).toEqual({
      ok: true,
      relayUrl: openRelay,
      message: 'Relay reachable (version 0.1.0).',
      registration: 'open',
    });
  });

  it('says when new accounts need an invite code, and refuses a relay closed to new accounts', async () => {
    expect(await checkRelay(inviteRelay, allowAll)).toEqual({
      ok: true,
      relayUrl: inviteRelay,
      message: 'Relay reachable (version 0.1.0); new accounts need an invite code from its operator.',
      registration: 'invite',
    });
    expect(await checkRelay(closedRelay, allowAll)).toEqual({
      ok: false,
      message: "This relay isn't accepting new accounts; choose another relay or ask the person who runs it.",
    });
  });

  it('reads a relay that does not say its policy (an older one) as unknown, and lets registration find out', async () => {
    expect(await checkRelay(relay, allowAll)).toMatchObject({ ok: true, registration: 'unknown' });
  });

  it('asks the platform first, and says so when the shell refuses the relay', async () => {
    const asked: string[] = [];
    const refusing = {
      allowRelay: async (url: string): Promise<RelayAccess> => {
        asked.push(url);
        return { allowed: false, reason: 'not-allowed-by-shell' };
      },
    };
    const result = await checkRelay(relay, refusing);
    expect(asked).toEqual([relay]);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/--relay/);
  });

  it('does not fetch a relay the page can reach only after a reload, and says to continue', async () => {
    const fetched: string[] = [];
    const needsReload = { allowRelay: async (): Promise<RelayAccess> => ({ allowed: true, reloadRequired: true }) };
    const result = await checkRelay(`${relay}/`, needsReload, async (input) => {
      fetched.push(String(input));
      return new Response('{}');
    });
    expect(result).toEqual({ ok: false, reloadRequired: true, relayUrl: relay, message: RELOAD_REQUIRED_MESSAGE });
    expect(fetched).toEqual([]);
  });

  it('explains each failure in one sentence', async () => {
    const bad = await checkRelay('ftp://relay.example.org', allowAll);
    expect(bad).toEqual({ ok: false, message: expect.stringMatching(/http:\/\/ or https:\/\//) });
    expect((await checkRelay(closedPort, allowAll)).message).toMatch(/can't reach the relay/);
    expect((await checkRelay(notRelay, allowAll)).message).toMatch(/not a Parley relay/);
    expect((await checkRelay(degraded, allowAll)).message).toMatch(/reports a problem/);
  });
});
