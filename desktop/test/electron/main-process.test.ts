/**
 * The Electron main process, started against a recorded stand-in for the
 * 'electron' module (the runtime cannot run here): every security point of
 * the shell is read back from what main asked of Electron — the window's web
 * preferences, the app:// protocol and its CSP, the IPC handlers and their
 * sender and argument checks, permissions, navigation, window.open, the
 * vault key's protection, single instance, notifications
 * and the unread badge. The vault behind IPC is the real one. The relay
 * gate (checkRelay, allowRelay, the request filter) is relay-gate.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../../src/common/preload-api.js';
import { fetchWebShellConfig } from '../../src/renderer/transport/web-shell-config.js';
import { waitFor } from '../support/wait.js';
import type { FakeElectron } from './support/fake-electron.js';
import { eventFrom, handler, MainLauncher, RELAY } from './support/main-launch.js';

let main: MainLauncher;
const originalArgv = process.argv;

beforeAll(() => {
  main = new MainLauncher(mkdtempSync(join(tmpdir(), 'parley-electron-main-')));
});
afterEach(() => {
  process.argv = originalArgv;
  vi.doUnmock('electron');
});
afterAll(() => {
  rmSync(main.root, { recursive: true, force: true });
});

describe('the main process with an OS keyring', () => {
  let fake: FakeElectron;
  let profile: string;
  beforeAll(async () => {
    ({ fake, profile } = await main.launch());
  });

  it('uses the profile folder given on the command line as userData', () => {
    expect(fake.calls.setPath).toEqual([['userData', profile]]);
  });

  it('opens one window with context isolation, sandbox and web security on, node integration off, and the preload', () => {
    expect(fake.windows).toHaveLength(1);
    const preferences = fake.windows[0]?.options.webPreferences as Record<string, unknown>;
    expect(preferences).toMatchObject({
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(String(preferences.preload)).toMatch(/[/\\]preload[/\\]preload\.cjs$/);
  });

  it('lets the window title follow the page title, where the renderer puts the unread count', () => {
    // Electron copies document.title to the window unless a 'page-title-updated' listener prevents it.
    const window = fake.windows[0];
    expect(window?.options.title).toBe('Parley');
    expect(window?.listenerCount('page-title-updated')).toBe(0);
    expect(window?.webContents.listenerCount('page-title-updated')).toBe(0);
  });

  it('loads the app from app://parley, a privileged standard and secure scheme, never file://', () => {
    expect(fake.windows[0]?.loadedUrl).toBe('app://parley/index.html');
    expect(fake.calls.privilegedSchemes).toEqual([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true }) },
    ]);
    expect([...fake.protocolHandlers.keys()]).toEqual(['app']);
  });

  it('serves the renderer with a strict CSP: no inline script, no eval, connect-src only to itself and the allowed relays', async () => {
    const serve = fake.protocolHandlers.get('app');
    if (!serve) throw new Error('no app:// handler');
    const page = await serve(new Request('app://parley/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    const directives = new Map(
      csp.split('; ').map((directive) => {
        const [name = '', ...values] = directive.split(' ');
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    // The relay given with --parley-relay, as its HTTP origin and its WebSocket twin; no bare scheme.
    expect(directives.get('connect-src')).toEqual(["'self'", RELAY, 'ws://127.0.0.1:7447']);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it("answers app://parley/config.json so the renderer's config reader finds the launch relay as the default", async () => {
    const serve = fake.protocolHandlers.get('app');
    if (!serve) throw new Error('no app:// handler');
    // The same call renderer/main.ts makes in both shells, its path resolved against the app's page.
    const config = await fetchWebShellConfig((input) =>
      serve(new Request(new URL(String(input), 'app://parley/index.html'))),
    );
    expect(config.defaultRelayUrl).toBe(RELAY);
    expect(config.relayUrls).toContain(RELAY);
  });

  it('refuses path traversal and foreign hosts on app://', async () => {
    const serve = fake.protocolHandlers.get('app');
    if (!serve) throw new Error('no app:// handler');
    // Encoded separators survive URL parsing; the shared lookup refuses them.
    expect((await serve(new Request('app://parley/assets/..%2f..%2fmain%2fmain.ts'))).status).toBe(403);
    expect((await serve(new Request('app://parley/assets%5c..%5c..%5cmain%5cmain.ts'))).status).toBe(403);
    expect((await serve(new Request('app://parley/index.html%00.png'))).status).toBe(403);
    // Dot segments, plain or encoded, are resolved by the URL parser: they stay inside the renderer folder.
    expect((await serve(new Request('app://parley/../../package.json'))).status).toBe(404);
    expect((await serve(new Request('app://parley/%2e%2e/main/main.ts'))).status).toBe(404);
    expect((await serve(new Request('app://elsewhere/index.html'))).status).toBe(404);
    expect((await serve(new Request('app://parley/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });

  it('answers /config.json with the relay it was started with, as the web shell does', async () => {
    const serve = fake.protocolHandlers.get('app');
    if (!serve) throw new Error('no app:// handler');
    const config = await (await serve(new Request('app://parley/config.json'))).json();
    expect(config).toEqual({ protocol: 1, defaultRelayUrl: RELAY, relayUrls: [RELAY] });
  });

  it('registers the vault channel and the five app channels, nothing else', () => {
    expect([...fake.ipcHandlers.keys()].sort()).toEqual(
      [
        IPC_CHANNELS.vaultCall,
        IPC_CHANNELS.notify,
        IPC_CHANNELS.setBadge,
        IPC_CHANNELS.openExternal,
        IPC_CHANNELS.allowRelay,
        IPC_CHANNELS.checkRelay,
      ].sort(),
    );
  });

  it('runs vault calls from our page through the real vault, protected by the OS keychain', async () => {
    const answer = await handler(fake, IPC_CHANNELS.vaultCall)(eventFrom(fake), 'getStatus', {});
    expect(answer).toEqual({ ok: true, value: { state: 'no-identity', keyProtection: 'os-keychain', account: null } });
    expect(existsSync(join(profile, 'vault'))).toBe(true);
    expect(fake.calls.dialogs).toEqual([]);
  });

  it('validates vault arguments in dispatchVaultCall', async () => {
    const vaultCall = handler(fake, IPC_CHANNELS.vaultCall);
    expect(await vaultCall(eventFrom(fake), 'exportPrivateKey', {})).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_METHOD' },
    });
    expect(await vaultCall(eventFrom(fake), 'getStatus', { extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
  });

  it('refuses every channel to a sender that is not our window’s main frame on app://', async () => {
    for (const channel of fake.ipcHandlers.keys()) {
      const run = handler(fake, channel);
      const refused = { ok: false, error: { code: 'FORBIDDEN' } };
      expect(await run(eventFrom(fake, { url: 'https://evil.example/' }), 'getStatus', {})).toMatchObject(refused);
      expect(await run(eventFrom(fake, { subframe: true }), 'getStatus', {})).toMatchObject(refused);
      expect(await run({ sender: { id: 999 }, senderFrame: null }, 'getStatus', {})).toMatchObject(refused);
    }
  });

  it('validates the app channels’ arguments', async () => {
    const invalid = { ok: false, error: { code: 'INVALID_ARGUMENT' } };
    const notify = handler(fake, IPC_CHANNELS.notify);
    expect(await notify(eventFrom(fake), { title: 'x', body: 'y' })).toMatchObject(invalid);
    expect(await notify(eventFrom(fake), { title: 'x', body: 'y', conversationId: 'c', html: '<b>' })).toMatchObject(
      invalid,
    );
    expect(await handler(fake, IPC_CHANNELS.setBadge)(eventFrom(fake), -1)).toMatchObject(invalid);
    expect(await handler(fake, IPC_CHANNELS.setBadge)(eventFrom(fake), 1.5)).toMatchObject(invalid);
    expect(await handler(fake, IPC_CHANNELS.openExternal)(eventFrom(fake), { url: 'x' })).toMatchObject(invalid);
    expect(await handler(fake, IPC_CHANNELS.allowRelay)(eventFrom(fake), 'x'.repeat(5_000))).toMatchObject(invalid);
    expect(await handler(fake, IPC_CHANNELS.checkRelay)(eventFrom(fake), 42)).toMatchObject(invalid);
  });

  it('opens only http(s) links in the system browser', async () => {
    const openExternal = handler(fake, IPC_CHANNELS.openExternal);
    expect(await openExternal(eventFrom(fake), 'https://example.org/a')).toEqual({ ok: true, value: null });
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'app://parley/index.html']) {
      expect(await openExternal(eventFrom(fake), url)).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT' },
      });
    }
    expect(fake.calls.openedExternally).toEqual(['https://example.org/a']);
  });

  it('denies every permission request and check except notifications for the app', () => {
    const { permissionRequest, permissionCheck, devicePermission } = fake.sessionHandlers;
    if (!permissionRequest || !permissionCheck || !devicePermission) throw new Error('permission handlers missing');
    const requested = (permission: string, requestingUrl: string) => {
      let granted: boolean | null = null;
      permissionRequest(null, permission, (allow: boolean) => (granted = allow), { requestingUrl });
      return granted;
    };
    expect(requested('notifications', 'app://parley/index.html')).toBe(true);
    for (const permission of ['media', 'geolocation', 'clipboard-read', 'openExternal', 'hid', 'fullscreen']) {
      expect(requested(permission, 'app://parley/index.html')).toBe(false);
      expect(permissionCheck(null, permission, 'app://parley')).toBe(false);
    }
    expect(requested('notifications', 'https://evil.example/')).toBe(false);
    expect(permissionCheck(null, 'notifications', 'app://parley')).toBe(true);
    expect(permissionCheck(null, 'notifications', 'https://evil.example')).toBe(false);
    expect(devicePermission({})).toBe(false);
  });

  it('blocks navigation and window.open, sending only http(s) links to the system browser', () => {
    const contents = fake.windows[0]?.webContents;
    if (!contents?.windowOpenHandler) throw new Error('no window.open handler');
    const opened = fake.calls.openedExternally.length;
    expect(contents.windowOpenHandler({ url: 'https://example.org/b' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler({ url: 'app://parley/index.html' })).toEqual({ action: 'deny' });

    const navigate = (event: string, url: string) => {
      let prevented = false;
      contents.emit(event, { preventDefault: () => (prevented = true), isMainFrame: false }, url);
      return prevented;
    };
    expect(navigate('will-navigate', 'https://example.org/c')).toBe(true);
    expect(navigate('will-navigate', 'app://parley/other.html')).toBe(true);
    // The page reloading itself (for a CSP listing a relay it just allowed) is the one navigation let through.
    expect(navigate('will-navigate', 'app://parley/index.html')).toBe(false);
    expect(navigate('will-navigate', 'javascript:alert(1)')).toBe(true);
    expect(navigate('will-redirect', 'https://example.org/d')).toBe(true);
    expect(navigate('will-attach-webview', 'https://example.org/e')).toBe(true);
    expect(navigate('will-frame-navigate', 'https://example.org/f')).toBe(true);
    expect(fake.calls.openedExternally.slice(opened)).toEqual(['https://example.org/b', 'https://example.org/c']);
  });

  it('shows notifications; a click focuses the window and tells the page the conversation', async () => {
    const answer = await handler(fake, IPC_CHANNELS.notify)(eventFrom(fake), {
      title: 'Alice',
      body: 'Hello',
      conversationId: 'conversation-1',
    });
    expect(answer).toEqual({ ok: true, value: null });
    const notification = fake.notifications.at(-1);
    expect(notification?.options).toMatchObject({ title: 'Alice', body: 'Hello' });
    expect(notification?.shown).toBe(true);
    const window = fake.windows[0];
    const focusedBefore = window?.focused ?? 0;
    notification?.emit('click');
    expect(window?.focused).toBe(focusedBefore + 1);
    expect(window?.webContents.sent).toContainEqual([IPC_CHANNELS.notificationClick, 'conversation-1']);
  });

  it('shows the unread count on the badge and in the tray tooltip', async () => {
    await handler(fake, IPC_CHANNELS.setBadge)(eventFrom(fake), 3);
    expect(fake.calls.badgeCounts.at(-1)).toBe(3);
    if (process.platform !== 'darwin') {
      expect(fake.trays).toHaveLength(1);
      expect(fake.trays[0]?.toolTip).toBe('Parley — 3 unread messages');
    }
    await handler(fake, IPC_CHANNELS.setBadge)(eventFrom(fake), 0);
    expect(fake.calls.badgeCounts.at(-1)).toBe(0);
  });

  it('keeps backups in the profile folder given with --parley-profile', async () => {
    const vaultCall = handler(fake, IPC_CHANNELS.vaultCall);
    expect(await vaultCall(eventFrom(fake), 'createIdentity', {})).toMatchObject({ ok: true });
    const begun = await vaultCall(eventFrom(fake), 'backupReadableBegin', {});
    if (!(begun as { ok: boolean }).ok) throw new Error(`backupReadableBegin failed: ${JSON.stringify(begun)}`);
    const { exportId, path } = (begun as { value: { exportId: string; path: string } }).value;
    expect(dirname(path)).toBe(join(profile, 'backups'));
    expect(await vaultCall(eventFrom(fake), 'backupExportAbort', { exportId })).toEqual({ ok: true, value: null });
  });

  it('forwards vault events to the window, and locks the vault before quitting', async () => {
    const window = fake.windows[0];
    const vaultCall = handler(fake, IPC_CHANNELS.vaultCall);
    // The identity from the test before: the vault is unlocked.
    expect(await vaultCall(eventFrom(fake), 'getStatus', {})).toMatchObject({ ok: true, value: { state: 'unlocked' } });
    const lockedEvents = () =>
      window?.webContents.sent.filter(([channel, name]) => channel === IPC_CHANNELS.vaultEvent && name === 'locked')
        .length ?? 0;
    expect(lockedEvents()).toBe(0);

    let prevented = false;
    fake.appEvents.emit('before-quit', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    await waitFor('the app to quit after locking', () => fake.calls.quit > 0);
    expect(lockedEvents()).toBe(1);
    expect(await vaultCall(eventFrom(fake), 'getStatus', {})).toMatchObject({ ok: true, value: { state: 'locked' } });
    // The key file is wrapped by the keychain, not readable as the key itself.
    const keyFile = JSON.parse(readFileSync(join(profile, 'vault', 'vault-key.json'), 'utf8'));
    expect(keyFile.protection).toBe('os-keychain');
  });

  it('focuses the running window when a second instance starts', () => {
    const window = fake.windows[0];
    const before = window?.focused ?? 0;
    fake.appEvents.emit('second-instance', {}, ['parley'], main.root);
    expect(window?.focused).toBe(before + 1);
  });
});

describe('the main process without an OS keyring', () => {
  it('on Linux with the basic_text backend, warns and protects the vault key with a passphrase', async () => {
    if (process.platform !== 'linux') return;
    const { fake } = await main.launch({ storageBackend: 'basic_text' });
    await waitFor('the warning', () => fake.calls.dialogs.length > 0);
    expect(fake.calls.dialogs[0]).toMatchObject({ type: 'warning', detail: expect.stringContaining('basic_text') });
    expect(await handler(fake, IPC_CHANNELS.vaultCall)(eventFrom(fake), 'getStatus', {})).toMatchObject({
      ok: true,
      value: { keyProtection: 'passphrase' },
    });
  });

  it('falls back to a passphrase when encryption is unavailable', async () => {
    const { fake } = await main.launch({ storageBackend: 'unknown', encryptionAvailable: false });
    await waitFor('the warning', () => fake.calls.dialogs.length > 0);
    expect(await handler(fake, IPC_CHANNELS.vaultCall)(eventFrom(fake), 'getStatus', {})).toMatchObject({
      ok: true,
      value: { keyProtection: 'passphrase' },
    });
  });
});

describe('single instance', () => {
  it('quits at once, without a window, when another instance holds the lock', async () => {
    const { fake } = await main.launch({ singleInstanceLock: false });
    expect(fake.calls.quit).toBe(1);
    expect(fake.windows).toHaveLength(0);
    expect(fake.ipcHandlers.size).toBe(0);
  });
});
