/**
 * The main process's pure pieces, without Electron: the allowed-relay list
 * on disk and the gate in front of it (consent, checks), the command-line switches, the safeStorage keychain, the request
 * filter's decisions and the badge text.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AllowedRelays, MAX_ALLOWED_RELAYS } from '../../src/main/allowed-relays.js';
import { parseAppArgs } from '../../src/main/app-args.js';
import { unreadLabel } from '../../src/main/badge.js';
import { isRequestAllowed, relayOrigins } from '../../src/main/csp.js';
import { senderProblem } from '../../src/main/ipc-checks.js';
import { chooseKeyProtection, type SafeStorageLike } from '../../src/main/keychain.js';
import { PageCsp } from '../../src/main/page-csp.js';
import { MAX_CHECKS_PER_MINUTE, RelayGate, relayConsentDialog } from '../../src/main/relay-gate.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-main-modules-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('AllowedRelays', () => {
  it('stores canonical URLs once, in the order allowed, in a 0600 file that a restart reads back', () => {
    const file = join(dir, 'relays-a.json');
    const relays = new AllowedRelays(file, ['http://127.0.0.1:7447/']);
    expect(relays.allow('https://relay.example.org/base/')).toEqual({ allowed: true });
    expect(relays.allow('http://127.0.0.1:7447')).toEqual({ allowed: true });
    expect(relays.relayUrls).toEqual(['http://127.0.0.1:7447', 'https://relay.example.org/base']);
    expect(relays.has('https://relay.example.org/base')).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new AllowedRelays(file).relayUrls).toEqual(relays.relayUrls);
  });

  it('refuses what is not a relay URL, and changes nothing', () => {
    const relays = new AllowedRelays(join(dir, 'relays-b.json'));
    for (const url of ['ftp://x.example', 'https://user:pw@x.example', 'https://x.example/?q=1', 'javascript:x', '']) {
      expect(relays.allow(url), url).toEqual({ allowed: false, reason: 'invalid-url' });
    }
    expect(relays.relayUrls).toEqual([]);
  });

  it(`refuses relay ${MAX_ALLOWED_RELAYS + 1} and evicts none, on disk too`, () => {
    const file = join(dir, 'relays-c.json');
    const relays = new AllowedRelays(file);
    for (let i = 0; i < MAX_ALLOWED_RELAYS; i++) {
      expect(relays.allow(`https://relay-${i}.example.org`)).toEqual({ allowed: true });
    }
    expect(relays.full).toBe(true);
    for (let i = 0; i < 5; i++) {
      expect(relays.allow(`https://flood-${i}.example.org`)).toEqual({ allowed: false, reason: 'list-full' });
    }
    expect(relays.relayUrls).toHaveLength(MAX_ALLOWED_RELAYS);
    expect(relays.relayUrls[0]).toBe('https://relay-0.example.org');
    expect(relays.origins.has('https://relay-0.example.org')).toBe(true);
    expect(relays.origins.has('https://flood-0.example.org')).toBe(false);
    // An allowed one asked again is still fine.
    expect(relays.allow('https://relay-0.example.org')).toEqual({ allowed: true });
    // A launch relay past the bound is reachable for this run, and never pushes one out of the file.
    const launched = new AllowedRelays(file, ['https://launch.example.org']);
    expect(launched.has('https://launch.example.org')).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).relayUrls).toEqual(relays.relayUrls);
  });

  it('starts empty from a damaged file, says so, and drops invalid entries of a valid one', () => {
    const damaged = join(dir, 'relays-d.json');
    writeFileSync(damaged, '{"version": 1, "relayUrls": "no"');
    const lines: string[] = [];
    expect(new AllowedRelays(damaged, [], (line) => lines.push(line)).relayUrls).toEqual([]);
    expect(lines.join('\n')).toContain('ignoring damaged');
    const mixed = join(dir, 'relays-e.json');
    writeFileSync(mixed, JSON.stringify({ version: 1, relayUrls: ['https://ok.example.org', 'file:///etc'] }));
    expect(new AllowedRelays(mixed).relayUrls).toEqual(['https://ok.example.org']);
    expect(JSON.parse(readFileSync(mixed, 'utf8')).relayUrls).toHaveLength(2);
  });
});

describe('RelayGate', () => {
  function gate(name: string, answers: boolean[], fetchImpl?: typeof fetch, now?: () => number) {
    const relays = new AllowedRelays(join(dir, `${name}.json`), ['http://127.0.0.1:7447']);
    const asked: string[] = [];
    const released: (() => void)[] = [];
    const confirm = (relayUrl: string) => {
      asked.push(relayUrl);
      // Each dialog stays open until the test answers it.
      return new Promise<boolean>((resolve) => released.push(() => resolve(answers.shift() ?? false)));
    };
    const relayGate = new RelayGate({
      relays,
      pageCsp: new PageCsp(relays),
      confirm,
      ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
      ...(now === undefined ? {} : { now }),
    });
    const answerNext = async () => {
      await vi.waitFor(() => expect(released.length).toBeGreaterThan(0));
      released.shift()?.();
    };
    return { relays, relayGate, asked, answerNext };
  }

  it('names the canonical relay in a dialog whose default is Cancel', () => {
    const options = relayConsentDialog('https://relay.example.org');
    expect(options.message).toContain('https://relay.example.org');
    expect(options.buttons?.[options.defaultId ?? -1]).toBe('Cancel');
    expect(options.buttons?.[options.cancelId ?? -1]).toBe('Cancel');
  });

  it('shows one dialog at a time: the same relay shares it, another is declined unseen', async () => {
    const { relayGate, asked, answerNext, relays } = gate('gate-a', [true]);
    const first = relayGate.allow('https://relay.example.org/');
    const same = relayGate.allow('https://relay.example.org');
    const other = relayGate.allow('https://other.example.org');
    expect(await other).toEqual({ allowed: false, reason: 'declined' });
    await answerNext();
    expect(await first).toEqual({ allowed: true, reloadRequired: true });
    expect(await same).toEqual({ allowed: true, reloadRequired: true });
    expect(asked).toEqual(['https://relay.example.org']);
    expect(relays.has('https://other.example.org')).toBe(false);
  });

  it('declines when the dialog fails', async () => {
    const relays = new AllowedRelays(join(dir, 'gate-b.json'));
    const relayGate = new RelayGate({
      relays,
      pageCsp: new PageCsp(relays),
      confirm: async () => {
        throw new Error('no window');
      },
    });
    expect(await relayGate.allow('https://relay.example.org')).toEqual({ allowed: false, reason: 'declined' });
    expect(relays.relayUrls).toEqual([]);
  });

  it('checks with one request at a time, the newest cancelling the older, and at most a bounded number a minute', async () => {
    const signals: AbortSignal[] = [];
    const fetchImpl = ((_input: RequestInfo | URL, init?: RequestInit) => {
      const signal = init?.signal;
      if (signal) signals.push(signal);
      return new Promise<Response>((resolve, reject) => {
        if (signals.length > 1) resolve(new Response(JSON.stringify({ status: 'ok', version: '1', wireVersion: 1 })));
        signal?.addEventListener('abort', () => reject(signal.reason));
      });
    }) as typeof fetch;
    let clock = 0;
    const { relayGate, relays } = gate('gate-c', [], fetchImpl, () => clock);
    const older = relayGate.check('https://slow.example.org');
    const newer = relayGate.check('https://relay.example.org');
    expect(await older).toEqual({ state: 'unreachable' });
    expect(await newer).toEqual({ state: 'ok', version: '1', registration: 'unknown' });
    expect(signals[0]?.aborted).toBe(true);
    for (let i = 2; i < MAX_CHECKS_PER_MINUTE; i++) await relayGate.check('https://relay.example.org');
    expect(await relayGate.check('https://relay.example.org')).toEqual({ state: 'too-many-checks' });
    clock += 60_000;
    expect(await relayGate.check('https://relay.example.org')).toEqual({
      state: 'ok',
      version: '1',
      registration: 'unknown',
    });
    expect(relays.relayUrls).toEqual(['http://127.0.0.1:7447']);
  });
});

describe('isRequestAllowed', () => {
  const origins = relayOrigins(['https://relay.example.org/base', 'http://127.0.0.1:7447']);
  it.each([
    ['app://parley/assets/app.js', true],
    ['data:image/png;base64,AAAA', true],
    ['blob:app://parley/0b9d', true],
    ['https://relay.example.org/base/v1/keys', true],
    ['wss://relay.example.org/socket.io/?EIO=4', true],
    ['ws://127.0.0.1:7447/socket.io/', true],
    ['http://127.0.0.1:7447/healthz', true],
    ['ws://relay.example.org/socket.io/', false],
    ['http://relay.example.org/base', false],
    ['https://relay.example.org:8443/', false],
    ['http://127.0.0.1:7448/', false],
    ['app://elsewhere/index.html', false],
    ['file:///etc/passwd', false],
    ['devtools://devtools/bundled/inspector.html', false],
    ['not a url', false],
  ])('%s -> %s', (url, allowed) => {
    expect(isRequestAllowed(url, origins)).toBe(allowed);
  });
});

describe('senderProblem', () => {
  const ours = { webContentsId: 7, frameUrl: 'app://parley/index.html', isMainFrame: true };
  it('trusts only our window’s main frame on app://parley', () => {
    expect(senderProblem(ours, 7)).toBeNull();
    expect(senderProblem(ours, null)).toBe('not our window');
    expect(senderProblem({ ...ours, webContentsId: 8 }, 7)).toBe('not our window');
    expect(senderProblem({ ...ours, isMainFrame: false }, 7)).toBe('not the main frame');
    expect(senderProblem({ ...ours, frameUrl: null }, 7)).toBe('not the app:// origin');
    expect(senderProblem({ ...ours, frameUrl: 'file:///tmp/index.html' }, 7)).toBe('not the app:// origin');
    expect(senderProblem({ ...ours, frameUrl: 'app://parley.evil/index.html' }, 7)).toBe('not the app:// origin');
  });
});

describe('parseAppArgs', () => {
  it('reads --parley-profile (resolved) and every --parley-relay, ignoring Chromium’s switches', () => {
    expect(
      parseAppArgs(
        [
          '/opt/Parley/parley',
          '--no-sandbox',
          '--parley-profile=rel/dir',
          '--parley-relay=http://a',
          '--parley-relay=http://b',
        ],
        '/home/u',
      ),
    ).toEqual({ profileDir: '/home/u/rel/dir', relayUrls: ['http://a', 'http://b'] });
    expect(parseAppArgs(['parley'], '/')).toEqual({ profileDir: null, relayUrls: [] });
  });
});

describe('chooseKeyProtection', () => {
  function storage(backend: ReturnType<SafeStorageLike['getSelectedStorageBackend']>, available: boolean) {
    return {
      getSelectedStorageBackend: () => backend,
      isAsyncEncryptionAvailable: async () => available,
      encryptStringAsync: async (text: string) => Buffer.from(text, 'utf8').reverse(),
      decryptStringAsync: async (blob: Buffer) => ({
        shouldReEncrypt: false,
        result: Buffer.from(blob).reverse().toString('utf8'),
      }),
    } satisfies SafeStorageLike;
  }

  it('uses the keychain where it is real, and the wrapped key round-trips without appearing in clear', async () => {
    const choice = await chooseKeyProtection(storage('gnome_libsecret', true), 'linux');
    if (choice.keyProtection !== 'os-keychain') throw new Error('expected the keychain');
    const key = new Uint8Array(32).map((_, i) => i * 7);
    const wrapped = await choice.keychain.encrypt(key);
    expect(Buffer.from(wrapped).includes(Buffer.from(key))).toBe(false);
    expect(await choice.keychain.decrypt(wrapped)).toEqual(key);
    expect((await chooseKeyProtection(storage('unknown', true), 'darwin')).keyProtection).toBe('os-keychain');
  });

  it('falls back to a passphrase on basic_text (Linux without a keyring) or without encryption', async () => {
    expect(await chooseKeyProtection(storage('basic_text', true), 'linux')).toMatchObject({
      keyProtection: 'passphrase',
      warning: expect.stringContaining('No system keyring'),
    });
    expect(await chooseKeyProtection(storage('unknown', false), 'win32')).toMatchObject({
      keyProtection: 'passphrase',
    });
  });
});

describe('unreadLabel', () => {
  it('names the count for the tray tooltip', () => {
    expect(unreadLabel(0)).toBe('Parley');
    expect(unreadLabel(1)).toBe('Parley — 1 unread message');
    expect(unreadLabel(5)).toBe('Parley — 5 unread messages');
  });
});
