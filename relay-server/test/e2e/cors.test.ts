/**
 * Browser clients (the web shell's page, the Electron renderer) call the
 * relay's HTTP API from their own origin: the relay answers preflights and
 * marks every response, errors included, readable cross-origin — without
 * ever allowing credentials, since the API authenticates by bearer token.
 */
import { routes } from '@parley/crypto-core/wire';
import { RelayProcess } from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PAGE_ORIGIN = 'http://127.0.0.1:5173';

describe('CORS for browser clients', () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await RelayProcess.start();
  });
  afterAll(async () => {
    await relay.dispose();
  });

  it('answers a preflight for an authenticated JSON request', async () => {
    const response = await fetch(`${relay.url}${routes.keyCount}`, {
      method: 'OPTIONS',
      headers: {
        origin: PAGE_ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(response.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('marks successful and error responses readable, and leaves same-origin requests alone', async () => {
    const ok = await fetch(`${relay.url}${routes.trustRoot}`, { headers: { origin: PAGE_ORIGIN } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');

    const refused = await fetch(`${relay.url}${routes.challenge}`, {
      method: 'POST',
      headers: { origin: PAGE_ORIGIN, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');

    const noOrigin = await fetch(`${relay.url}${routes.trustRoot}`);
    expect(noOrigin.headers.get('access-control-allow-origin')).toBeNull();
  });
});
