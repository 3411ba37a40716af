/**
 * The web shell's HTTP side: static files with their content types and the
 * CSP, the page config, and every refusal (Host, method, traversal).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWebShell, startWebShell } from '../../src/web-shell/web-shell.js';
import { createFakeVault } from './support/fake-vault.js';
import { jsonError, rawRequest } from './support/http-client.js';
import {
  createRendererFixture,
  FIXTURE_FILES,
  type RendererFixture,
  SECRET_CONTENT,
} from './support/renderer-fixture.js';

let fixture: RendererFixture;
let shell: RunningWebShell;
const relayUrl = 'https://relay.example.org';

beforeAll(async () => {
  fixture = createRendererFixture();
  shell = await startWebShell({
    vault: createFakeVault().vault,
    rendererDir: fixture.rendererDir,
    relayUrls: [relayUrl, 'http://127.0.0.1:8443/'],
  });
});

afterAll(async () => {
  await shell.close();
  fixture.remove();
});

describe('static files', () => {
  it('serves index.html at / with the CSP and the other security headers', async () => {
    const response = await rawRequest(shell.port, '/', { headers: { Host: `127.0.0.1:${shell.port}` } });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toBe(FIXTURE_FILES['index.html']);
    const csp = String(response.headers['content-security-policy']);
    const directives = new Map(
      csp.split(';').map((directive) => {
        const [name = '', ...values] = directive.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(directives.get('connect-src')).toEqual([
      "'self'",
      `ws://127.0.0.1:${shell.port}`,
      `ws://localhost:${shell.port}`,
      'https://relay.example.org',
      'wss://relay.example.org',
      'http://127.0.0.1:8443',
      'ws://127.0.0.1:8443',
    ]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });

  it.each([
    ['/assets/app.js', 'text/javascript; charset=utf-8'],
    ['/assets/app.css', 'text/css; charset=utf-8'],
    ['/assets/logo.svg', 'image/svg+xml'],
    ['/assets/module.wasm', 'application/wasm'],
    ['/assets/data.bin', 'application/octet-stream'],
    ['/index.html?v=1', 'text/html; charset=utf-8'],
  ])('serves %s as %s', async (path, contentType) => {
    const response = await rawRequest(shell.port, path, { headers: { Host: `localhost:${shell.port}` } });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(contentType);
    expect(response.headers['content-security-policy']).toBeDefined();
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await rawRequest(shell.port, '/assets/app.js', {
      method: 'HEAD',
      headers: { Host: `127.0.0.1:${shell.port}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-length']).toBe(String(FIXTURE_FILES['assets/app.js'].length));
    expect(response.body).toBe('');
  });

  it('answers 404 with a JSON error for missing files and dotfiles', async () => {
    for (const path of ['/missing.js', '/.hidden', '/assets/', '//index.html']) {
      const response = await rawRequest(shell.port, path, { headers: { Host: `127.0.0.1:${shell.port}` } });
      expect(response.status, path).toBe(404);
      expect(jsonError(response).code).toBe('NOT_FOUND');
    }
  });

  it('refuses path traversal, raw and percent-encoded, and symlinks out of the folder', async () => {
    expect(readFileSync(fixture.secretFile, 'utf8')).toBe(SECRET_CONTENT);
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/./index.html',
      '/index.html%00.js',
      '/assets/escape.txt',
    ];
    for (const path of attempts) {
      const response = await rawRequest(shell.port, path, { headers: { Host: `127.0.0.1:${shell.port}` } });
      expect(response.status, path).toBe(403);
      expect(jsonError(response).code, path).toBe('FORBIDDEN');
      expect(response.body).not.toContain(SECRET_CONTENT);
    }
  });

  it('refuses malformed percent-encoding and non-path request targets', async () => {
    const malformed = await rawRequest(shell.port, '/%E0%A4%A', { headers: { Host: `127.0.0.1:${shell.port}` } });
    expect(malformed.status).toBe(400);
    expect(jsonError(malformed).code).toBe('BAD_REQUEST');
    const absolute = await rawRequest(shell.port, `http://127.0.0.1:${shell.port}/index.html`, {
      headers: { Host: `127.0.0.1:${shell.port}` },
    });
    expect(absolute.status).toBe(400);
  });
});

describe('guards on every HTTP request', () => {
  it.each([
    ['a foreign name', 'evil.example'],
    ['a rebinding name with the right port', 'rebind.attacker.example:PORT'],
    ['another loopback address', '127.0.0.2:PORT'],
    ['IPv6 loopback', '[::1]:PORT'],
    ['the right name on another port', 'localhost:1'],
    ['a trailing dot', 'localhost.:PORT'],
    ['the LAN address form', '0.0.0.0:PORT'],
  ])('refuses Host %s with 403 FORBIDDEN', async (_label, host) => {
    for (const path of ['/', '/config.json', '/assets/app.js', '/vault']) {
      const response = await rawRequest(shell.port, path, {
        headers: { Host: host.replace('PORT', String(shell.port)) },
      });
      expect(response.status).toBe(403);
      expect(jsonError(response)).toEqual({
        code: 'FORBIDDEN',
        message: `Host must be 127.0.0.1:${shell.port} or localhost:${shell.port}`,
      });
    }
  });

  it('accepts the Host name in any case', async () => {
    const response = await rawRequest(shell.port, '/', { headers: { Host: `LocalHost:${shell.port}` } });
    expect(response.status).toBe(200);
  });

  it('refuses other methods with 405 and an Allow header', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const response = await rawRequest(shell.port, '/', { method, headers: { Host: `127.0.0.1:${shell.port}` } });
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD');
      expect(jsonError(response).code).toBe('METHOD_NOT_ALLOWED');
    }
  });

  it('answers a plain GET of the socket path with 426', async () => {
    const response = await rawRequest(shell.port, '/vault', { headers: { Host: `127.0.0.1:${shell.port}` } });
    expect(response.status).toBe(426);
  });
});

describe('/config.json', () => {
  it('names the relays, canonical, the first as the default', async () => {
    const response = await rawRequest(shell.port, '/config.json', { headers: { Host: `127.0.0.1:${shell.port}` } });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(response.body)).toEqual({
      protocol: 1,
      defaultRelayUrl: relayUrl,
      relayUrls: [relayUrl, 'http://127.0.0.1:8443'],
    });
    expect(response.body).not.toContain(shell.token);
  });
});

describe('start-up checks', () => {
  it('refuses to listen anywhere but 127.0.0.1', async () => {
    for (const host of ['0.0.0.0', '::', 'localhost', '192.168.1.10', '::1']) {
      await expect(
        startWebShell({ vault: createFakeVault().vault, rendererDir: fixture.rendererDir, host }),
      ).rejects.toMatchObject({
        code: 'NOT_LOOPBACK',
      });
    }
  });

  it('refuses a folder without a built renderer, a bad relay URL and a bad port', async () => {
    const vault = createFakeVault().vault;
    await expect(startWebShell({ vault, rendererDir: fixture.secretFile })).rejects.toMatchObject({
      code: 'NO_RENDERER',
    });
    await expect(
      startWebShell({ vault, rendererDir: fixture.rendererDir, relayUrls: ['ftp://relay.example.org'] }),
    ).rejects.toMatchObject({ code: 'BAD_RELAY_URL' });
    await expect(startWebShell({ vault, rendererDir: fixture.rendererDir, port: 70_000 })).rejects.toMatchObject({
      code: 'BAD_PORT',
    });
  });

  it('makes a new 32-byte base64url token on every start and prints it only in the fragment', async () => {
    const other = await startWebShell({ vault: createFakeVault().vault, rendererDir: fixture.rendererDir });
    try {
      for (const running of [shell, other]) {
        expect(running.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(Buffer.from(running.token, 'base64url')).toHaveLength(32);
        expect(running.url).toBe(`http://127.0.0.1:${running.port}/#token=${running.token}`);
      }
      expect(other.token).not.toBe(shell.token);
    } finally {
      await other.close();
    }
  });
});
