/** The shell's pure pieces: Host/Origin rules, token comparison, frame reading, request paths, CLI flags. */
import { describe, expect, it } from 'vitest';
import { readPageFrame, readShellFrame } from '../../src/common/web-shell-frames.js';
import { parseCliArgs } from '../../src/web-shell/cli-args.js';
import { createLaunchToken, tokenMatches } from '../../src/web-shell/launch-token.js';
import { checkHost, checkOrigin } from '../../src/web-shell/request-guards.js';
import { contentSecurityPolicy, relayConnectSources } from '../../src/web-shell/security-headers.js';
import { requestPathSegments } from '../../src/web-shell/static-files.js';

describe('checkHost', () => {
  it('accepts exactly 127.0.0.1:PORT and localhost:PORT', () => {
    expect(checkHost('127.0.0.1:4000', 4000)).toBeNull();
    expect(checkHost('localhost:4000', 4000)).toBeNull();
    expect(checkHost('LOCALHOST:4000', 4000)).toBeNull();
    for (const host of [
      undefined,
      '',
      '127.0.0.1',
      'localhost',
      '127.0.0.1:4001',
      'localhost.:4000',
      '[::1]:4000',
      'a.localhost:4000',
      'evil.example:4000',
      '127.0.0.1:4000@evil',
    ]) {
      expect(checkHost(host, 4000), String(host)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    }
  });
});

describe('checkOrigin', () => {
  it('accepts only the shell’s own http origins', () => {
    expect(checkOrigin('http://127.0.0.1:4000', 4000)).toBeNull();
    expect(checkOrigin('http://localhost:4000', 4000)).toBeNull();
    for (const origin of [
      undefined,
      'null',
      'https://127.0.0.1:4000',
      'http://127.0.0.1:4001',
      'http://127.0.0.1:4000/',
      'http://evil.example',
      'file://',
    ]) {
      expect(checkOrigin(origin, 4000), String(origin)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    }
  });
});

describe('launch token', () => {
  it('is 32 random bytes in base64url, compared in constant time', () => {
    const token = createLaunchToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createLaunchToken()).not.toBe(token);
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(token, `${token}x`)).toBe(false);
    expect(tokenMatches(token, token.slice(1))).toBe(false);
    expect(tokenMatches(token, '')).toBe(false);
    expect(tokenMatches(token, undefined)).toBe(false);
    expect(tokenMatches(token, 42)).toBe(false);
  });
});

describe('readPageFrame', () => {
  it('reads token frames, call frames, bad calls and malformed frames', () => {
    expect(readPageFrame('{"token":"t"}')).toEqual({ kind: 'hello', token: 't' });
    expect(readPageFrame('{"id":3,"method":"lock","args":{}}')).toEqual({
      kind: 'call',
      id: 3,
      method: 'lock',
      args: {},
    });
    expect(readPageFrame('{"id":0,"method":"lock"}')).toEqual({ kind: 'call', id: 0, method: 'lock', args: undefined });
    expect(readPageFrame('{"id":3,"method":"lock","x":1}')).toMatchObject({ kind: 'bad-call', id: 3 });
    for (const text of [
      '',
      'null',
      '1',
      '[]',
      '{}',
      '{"id":null}',
      `{"id":${2 ** 53}}`,
      '{"token":"t","x":1}',
      `{"token":"${'t'.repeat(300)}"}`,
    ]) {
      expect(readPageFrame(text).kind, text).toBe('malformed');
    }
  });

  it('does not let __proto__ smuggle fields past the check', () => {
    expect(readPageFrame('{"__proto__":{"token":"t"},"id":1,"method":"lock"}')).toMatchObject({
      kind: 'bad-call',
      id: 1,
    });
  });
});

describe('hostile page frames', () => {
  it('closes on frames that cannot be attributed to a call, with the reason', () => {
    const cases: [string, string][] = [
      ['{"id":1', 'frame is not JSON'],
      ['"lock"', 'frame is not a JSON object'],
      ['[{"id":1,"method":"lock"}]', 'frame is not a JSON object'],
      ['{"method":"lock"}', 'frame has neither "token" nor "id"'],
      ['{"id":-1,"method":"lock"}', '"id" must be a non-negative integer'],
      ['{"id":1.5,"method":"lock"}', '"id" must be a non-negative integer'],
      ['{"id":"1","method":"lock"}', '"id" must be a non-negative integer'],
      ['{"id":1e400,"method":"lock"}', '"id" must be a non-negative integer'],
      ['{"token":1}', 'a token frame is exactly {"token": "<token>"}'],
      ['{"token":null,"id":1,"method":"lock"}', 'a token frame is exactly {"token": "<token>"}'],
    ];
    for (const [text, message] of cases) expect(readPageFrame(text), text).toEqual({ kind: 'malformed', message });
  });

  it('answers a call with extra fields on its id, naming the field', () => {
    expect(readPageFrame('{"id":7,"method":"lock","constructor":{}}')).toEqual({
      kind: 'bad-call',
      id: 7,
      message: 'unexpected frame field "constructor"',
    });
  });

  it('leaves method and args to the dispatcher, whatever their type', () => {
    expect(readPageFrame('{"id":2,"method":{"toString":1},"args":[1,2]}')).toEqual({
      kind: 'call',
      id: 2,
      method: { toString: 1 },
      args: [1, 2],
    });
  });
});

describe('readShellFrame', () => {
  it('reads ready, result, event and error frames', () => {
    expect(readShellFrame('{"ready":{"protocol":1}}')).toEqual({ kind: 'ready' });
    expect(readShellFrame('{"id":4,"result":{"ok":true,"value":null}}')).toEqual({
      kind: 'result',
      id: 4,
      result: { ok: true, value: null },
    });
    expect(readShellFrame('{"id":4,"result":{"ok":false,"error":{"code":"LOCKED","message":"m"}}}')).toEqual({
      kind: 'result',
      id: 4,
      result: { ok: false, error: { code: 'LOCKED', message: 'm' } },
    });
    expect(readShellFrame('{"event":"locked","payload":{}}')).toEqual({ kind: 'event', name: 'locked', payload: {} });
    expect(readShellFrame('{"error":{"code":"FORBIDDEN","message":"wrong token"}}')).toEqual({
      kind: 'error',
      code: 'FORBIDDEN',
      message: 'wrong token',
    });
  });

  it('drops hostile or unknown frames instead of acting on them', () => {
    for (const data of [
      new ArrayBuffer(4),
      '',
      'not json',
      'null',
      '[]',
      '{}',
      '{"ready":true}',
      '{"id":4,"result":{"ok":true}}',
      '{"id":4,"result":{"ok":"yes","value":1}}',
      '{"id":4,"result":{"ok":false,"error":{"code":1,"message":"m"}}}',
      '{"id":4,"result":{"ok":false,"error":{"code":"LOCKED"}}}',
      '{"id":-4,"result":{"ok":true,"value":1}}',
      '{"event":"__proto__","payload":{}}',
      '{"event":"unlocked","payload":{}}',
      '{"error":{"code":"FORBIDDEN"}}',
    ]) {
      expect(readShellFrame(data), String(data)).toBeNull();
    }
  });
});

describe('requestPathSegments', () => {
  it('decodes segments and refuses traversal in every spelling', () => {
    expect(requestPathSegments('/')).toEqual(['']);
    expect(requestPathSegments('/assets/a%20b.js?x=1')).toEqual(['assets', 'a b.js']);
    for (const target of [
      '/..',
      '/../x',
      '/a/../../x',
      '/%2e%2e/x',
      '/%2E%2e/x',
      '/.',
      '/a/./b',
      '/a%2fb',
      '/a%5cb',
      '/a%00b',
    ]) {
      expect(requestPathSegments(target), target).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    }
    expect(requestPathSegments('x')).toMatchObject({ status: 400 });
    expect(requestPathSegments('/%zz')).toMatchObject({ status: 400 });
  });
});

describe('CSP', () => {
  it('allows each relay’s HTTP origin and its WebSocket twin, and nothing inline', () => {
    expect(relayConnectSources('https://relay.example.org/base')).toEqual([
      'https://relay.example.org',
      'wss://relay.example.org',
    ]);
    expect(relayConnectSources('http://10.0.0.2:8080')).toEqual(['http://10.0.0.2:8080', 'ws://10.0.0.2:8080']);
    const csp = contentSecurityPolicy({ port: 4000, relayUrls: [] });
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:4000 ws://localhost:4000;");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
  });
});

describe('parseCliArgs', () => {
  it('parses the flags', () => {
    expect(parseCliArgs(['--profile', '/p', '--port', '8080', '--relay', 'https://a', '--relay', 'https://b'])).toEqual(
      {
        kind: 'run',
        options: {
          profileDir: '/p',
          port: 8080,
          relayUrls: ['https://a', 'https://b'],
          rendererDir: null,
          host: '127.0.0.1',
        },
      },
    );
    expect(parseCliArgs(['-h'])).toEqual({ kind: 'help' });
    // Relative paths resolve against the folder the command was typed in.
    expect(parseCliArgs(['--profile', 'p', '--renderer', '../r'], '/home/u/work')).toMatchObject({
      options: { profileDir: '/home/u/work/p', rendererDir: '/home/u/r' },
    });
  });

  it('refuses what it cannot use', () => {
    expect(parseCliArgs([])).toMatchObject({ kind: 'usage-error' });
    expect(parseCliArgs(['--profile', '/p', '--port', '65536'])).toMatchObject({ kind: 'usage-error' });
    expect(parseCliArgs(['--profile', '/p', '--port', '-1'])).toMatchObject({ kind: 'usage-error' });
    expect(parseCliArgs(['--profile', '/p', 'extra'])).toMatchObject({ kind: 'usage-error' });
    expect(parseCliArgs(['--profile', '/p', '--passphrase', 'x'])).toMatchObject({ kind: 'usage-error' });
  });
});
