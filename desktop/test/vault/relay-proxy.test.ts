/**
 * The vault's requests to other relays for the page (vault/relay-proxy.ts):
 * only the four requests a client makes of another relay pass, with the
 * access key and never a token, and whatever the relay does (redirect,
 * stall, answer too much) ends as a bounded RELAY_UNREACHABLE.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedVaultArgs } from '../../src/common/vault-api.js';
import { MAX_RELAY_ANSWER_BYTES, RelayProxy } from '../../src/vault/relay-proxy.js';

const KEY = 'AAECAwQFBgcICQoLDA0ODw==';
const ACCOUNT = 'abcdefghijklmnopqrstuvwxyz234567';

let server: Server;
let base: string;
const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      if (request.url === '/v1/trust-root') {
        response.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
      } else if (request.url?.startsWith('/big/')) {
        response.writeHead(200, { 'content-type': 'application/json' }).end('x'.repeat(MAX_RELAY_ANSWER_BYTES + 1));
      } else if (request.url?.startsWith('/slow/')) {
        setTimeout(() => response.writeHead(200).end('{}'), 2_000);
      } else {
        response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"ACCESS_DENIED"}}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function args(over: Partial<ParsedVaultArgs<'relayRequest'>>): ParsedVaultArgs<'relayRequest'> {
  return { relayUrl: base, method: 'GET', path: `/v1/keys/bundles/${ACCOUNT}`, ...over };
}

describe('the relay proxy', () => {
  it('passes a bundle fetch and a sealed send with the access key, no token, and hands back status and body', async () => {
    const proxy = new RelayProxy();
    const fetched = await proxy.request(args({ accessKey: KEY }));
    expect(fetched).toEqual({ status: 401, body: '{"error":{"code":"ACCESS_DENIED"}}' });
    const sent = await proxy.request(args({ method: 'POST', path: '/v1/messages', body: '{"recipient":"x"}' }));
    expect(sent.status).toBe(401);
    const [bundle, send] = seen.slice(-2);
    expect(bundle?.headers['parley-access-key']).toBe(KEY);
    expect(send).toMatchObject({ method: 'POST', url: '/v1/messages', body: '{"recipient":"x"}' });
    for (const request of [bundle, send]) {
      expect(request?.headers.authorization).toBeUndefined();
      expect(request?.headers.cookie).toBeUndefined();
    }
    // A group message's upload for that relay's members (their keys are in the body).
    const upload = await proxy.request(
      args({ method: 'POST', path: '/v1/messages/multi-recipient', body: '{"payload":"AA=="}' }),
    );
    expect(upload.status).toBe(401);
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/v1/messages/multi-recipient' });
    expect(seen.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('refuses every other request before any network', async () => {
    const proxy = new RelayProxy();
    const before = seen.length;
    const refused = [
      args({ path: '/v1/certificate' }),
      args({ path: '/v1/accounts/me' }),
      args({ method: 'POST', path: '/v1/accounts', body: '{}' }),
      args({ path: `/v1/keys/bundles/${ACCOUNT}/../../certificate` }),
      args({ path: '/v1/messages' }), // a GET of the send route
      args({ path: '/v1/messages/multi-recipient' }), // a GET of the group send route
      args({ method: 'POST', path: '/v1/messages' }), // a POST without a body
      args({ body: '{}' }), // a GET with a body
    ];
    for (const request of refused) {
      await expect(proxy.request(request), `${request.method} ${request.path}`).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    }
    expect(seen.length).toBe(before);
  });

  it('follows no redirect, takes no oversized answer and waits a bounded time: RELAY_UNREACHABLE', async () => {
    const proxy = new RelayProxy(undefined, 500);
    await expect(proxy.request(args({ path: '/v1/trust-root' }))).rejects.toMatchObject({ code: 'RELAY_UNREACHABLE' });
    // The paths below are not relay routes; the proxy is pointed at them by a base with a path of its own.
    await expect(proxy.request(args({ relayUrl: `${base}/big`, path: '/healthz' }))).rejects.toMatchObject({
      code: 'RELAY_UNREACHABLE',
    });
    await expect(proxy.request(args({ relayUrl: `${base}/slow`, path: '/healthz' }))).rejects.toMatchObject({
      code: 'RELAY_UNREACHABLE',
    });
    await expect(proxy.request(args({ relayUrl: 'http://127.0.0.1:1' }))).rejects.toMatchObject({
      code: 'RELAY_UNREACHABLE',
    });
  });
});
