/**
 * The Electron main process, started against a recorded stand-in for the
 * 'electron' module (the runtime cannot run here): every security point of
 * the shell is read back from what main asked of Electron — the window's web
 * preferences, the app:// protocol and its CSP, the IPC handlers and their
 * sender and argument checks, permissions, navigation, window.open, the
 * request filter, the vault key's protection, single instance, notifications
 * and the unread badge. The vault behind IPC is the real one.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../../src/common/preload-api.js';
import { MAX_ALLOWED_RELAYS } from '../../src/main/allowed-relays.js';
import { fetchWebShellConfig } from '../../src/renderer/transport/web-shell-config.js';
import { waitFor } from '../support/wait.js';
import { createFakeElectron, type FakeElectron, type FakeElectronSettings } from './support/fake-electron.js';

const RELAY = 'http://127.0.0.1:7447';
let root: string;
/** A relay's health answer on 127.0.0.1 (port 0), for the check main makes itself. */
let healthyRelay: string;
let healthServer: Server;
const originalArgv = process.argv;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'parley-electron-main-'));
  healthServer = createServer((request, response) => {
    if (request.url !== '/healthz') response.writeHead(404).end();
    else response.writeHead(200).end(JSON.stringify({ status: 'ok', version: '0.9.0', wireVersion: 1 }));
  });
  await new Promise<void>((resolve) => healthServer.listen(0, '127.0.0.1', resolve));
  healthyRelay = `http://127.0.0.1:${(healthServer.address() as AddressInfo).port}`;
});
afterEach(() => {
  process.argv = originalArgv;
  vi.doUnmock('electron');
});
afterAll(async () => {
  await new Promise((resolve) => healthServer.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

let launches = 0;
/** Imports main.ts afresh with its own fake Electron and profile, and waits until it has loaded the window. */
async function launch(settings: Partial<FakeElectronSettings> = {}): Promise<{ fake: FakeElectron; profile: string }> {
  launches++;
  const profile = join(root, `profile-${launches}`);
  const fake = createFakeElectron({
    userDataDir: join(root, 'default-user-data'),
    singleInstanceLock: true,
    storageBackend: 'gnome_libsecret',
    encryptionAvailable: true,
    notificationsSupported: true,
    ...settings,
  });
  vi.resetModules();
  vi.doMock('electron', () => fake.electron);
  process.argv = ['electron', '.', `--parley-profile=${profile}`, `--parley-relay=${RELAY}`];
  await import('../../src/main/main.js');
  if (settings.singleInstanceLock !== false) {
    await waitFor('the window to load', () => fake.windows[0]?.loadedUrl ?? null);
  }
  return { fake, profile };
}

/** An IPC event as Electron would build it for a page in `window`. */
function eventFrom(fake: FakeElectron, options: { windowIndex?: number; url?: string; subframe?: boolean } = {}) {
  const window = fake.windows[options.windowIndex ?? 0];
  if (!window) throw new Error('no window');
  return {
    sender: window.webContents,
    senderFrame: { url: options.url ?? 'app://parley/index.html', parent: options.subframe ? {} : null },
  };
}

/** Main's request filter as a function: may the session make this request? */
function requestFilter(fake: FakeElectron): (url: string) => Promise<boolean> {
  const filter = fake.sessionHandlers.beforeRequest;
  if (!filter) throw new Error('no request filter');
  return (url) => new Promise<boolean>((resolve) => filter({ url }, ({ cancel }) => resolve(!cancel)));
}

/** Main's app:// handler. */
function appServer(fake: FakeElectron): (request: Request) => Promise<Response> {
  const serve = fake.protocolHandlers.get('app');
  if (!serve) throw new Error('no app:// handler');
  return serve;
}

function handler(fake: FakeElectron, channel: string) {
  const found = fake.ipcHandlers.get(channel);
  if (!found) throw new Error(`no handler for ${channel}`);
  return found;
}

describe('the main process with an OS keyring', () => {
  let fake: FakeElectron;
  let profile: string;
  beforeAll(async () => {
    ({ fake, profile } = await launch());
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

  it('checks a relay from main without letting the page reach it', async () => {
    const filter = requestFilter(fake);
    const relayFile = join(profile, 'allowed-relays.json');
    const before = readFileSync(relayFile, 'utf8');
    const checkRelay = handler(fake, IPC_CHANNELS.checkRelay);
    expect(await checkRelay(eventFrom(fake), `${healthyRelay}/`)).toEqual({
      ok: true,
      value: { state: 'ok', version: '0.9.0', registration: 'unknown' },
    });
    expect(await checkRelay(eventFrom(fake), 'ftp://relay.example.org')).toEqual({
      ok: true,
      value: { state: 'invalid-url' },
    });
    // Checked, not allowed: the filter still refuses it, the list and the CSP are as they were, nobody was asked.
    expect(await filter(`${healthyRelay}/healthz`)).toBe(false);
    expect(readFileSync(relayFile, 'utf8')).toBe(before);
    const page = await appServer(fake)(new Request('app://parley/index.html'));
    expect(page.headers.get('content-security-policy')).not.toContain(healthyRelay);
    expect(fake.calls.dialogs).toEqual([]);
  });

  it('allows a relay only when the user confirms it in a dialog main shows, naming the relay', async () => {
    const filter = requestFilter(fake);
    expect(await filter('app://parley/assets/app.js')).toBe(true);
    expect(await filter(`${RELAY}/healthz`)).toBe(true);
    expect(await filter('ws://127.0.0.1:7447/socket.io/?EIO=4')).toBe(true);
    expect(await filter('https://relay.example.org/healthz')).toBe(false);
    expect(await filter('https://tracker.example.com/pixel.gif')).toBe(false);
    expect(await filter('file:///etc/passwd')).toBe(false);

    const allowRelay = handler(fake, IPC_CHANNELS.allowRelay);
    const relayFile = join(profile, 'allowed-relays.json');
    expect(await allowRelay(eventFrom(fake), 'ftp://relay.example.org')).toEqual({
      ok: true,
      value: { allowed: false, reason: 'invalid-url' },
    });
    // The launch relay is allowed and in the document's CSP already: no dialog, no reload.
    expect(await allowRelay(eventFrom(fake), `${RELAY}/`)).toEqual({ ok: true, value: { allowed: true } });
    expect(fake.calls.dialogs).toEqual([]);

    // The user cancels main's dialog: nothing is allowed.
    fake.calls.dialogAnswers.push(0);
    expect(await allowRelay(eventFrom(fake), 'https://relay.example.org/')).toEqual({
      ok: true,
      value: { allowed: false, reason: 'declined' },
    });
    expect(fake.calls.dialogs).toHaveLength(1);
    expect(fake.calls.dialogs[0]).toMatchObject({
      message: 'Allow Parley to connect to https://relay.example.org?',
      buttons: ['Cancel', 'Allow'],
      defaultId: 0,
      cancelId: 0,
    });
    // Over our window: modal to it, drawn by main (the page can neither draw nor skip it).
    expect(fake.calls.dialogParents[0]).toBe(fake.windows[0]);
    expect(await filter('https://relay.example.org/healthz')).toBe(false);
    expect(JSON.parse(readFileSync(relayFile, 'utf8'))).toEqual({ version: 1, relayUrls: [RELAY] });

    // The user allows it: the filter lets it through at once, but the page's CSP lacks it until a reload.
    fake.calls.dialogAnswers.push(1);
    expect(await allowRelay(eventFrom(fake), 'https://relay.example.org/')).toEqual({
      ok: true,
      value: { allowed: true, reloadRequired: true },
    });
    expect(fake.calls.dialogs).toHaveLength(2);
    expect(await filter('https://relay.example.org/healthz')).toBe(true);
    expect(await filter('wss://relay.example.org/socket.io/')).toBe(true);
    expect(await filter('https://tracker.example.com/pixel.gif')).toBe(false);
    expect(JSON.parse(readFileSync(relayFile, 'utf8'))).toEqual({
      version: 1,
      relayUrls: [RELAY, 'https://relay.example.org'],
    });

    // Asked again before the reload: still required (the document keeps its CSP), and not asked again.
    expect(await allowRelay(eventFrom(fake), 'https://relay.example.org')).toEqual({
      ok: true,
      value: { allowed: true, reloadRequired: true },
    });
    // The reloaded document's CSP lists it, so the page may go on without another reload.
    const serve = appServer(fake);
    const reloaded = await serve(new Request('app://parley/index.html'));
    expect(reloaded.headers.get('content-security-policy')).toContain(
      `connect-src 'self' ${RELAY} ws://127.0.0.1:7447 https://relay.example.org wss://relay.example.org;`,
    );
    expect(await allowRelay(eventFrom(fake), 'https://relay.example.org')).toEqual({
      ok: true,
      value: { allowed: true },
    });
    // A script is not a document: serving one does not count as the page having reloaded.
    fake.calls.dialogAnswers.push(1);
    expect(await allowRelay(eventFrom(fake), 'https://second.example.org')).toEqual({
      ok: true,
      value: { allowed: true, reloadRequired: true },
    });
    await serve(new Request('app://parley/missing.js'));
    expect(await allowRelay(eventFrom(fake), 'https://second.example.org')).toEqual({
      ok: true,
      value: { allowed: true, reloadRequired: true },
    });
    expect(fake.calls.dialogs).toHaveLength(3);
  });

  it('refuses a relay past the bound instead of evicting one the user confirmed', async () => {
    const filter = requestFilter(fake);
    const allowRelay = handler(fake, IPC_CHANNELS.allowRelay);
    const relayFile = join(profile, 'allowed-relays.json');
    const confirmed = (JSON.parse(readFileSync(relayFile, 'utf8')) as { relayUrls: string[] }).relayUrls;
    const dialogsBefore = fake.calls.dialogs.length;
    for (let i = confirmed.length; i < MAX_ALLOWED_RELAYS; i++) {
      fake.calls.dialogAnswers.push(1);
      expect(await allowRelay(eventFrom(fake), `https://flood-${i}.example.org`)).toMatchObject({
        ok: true,
        value: { allowed: true },
      });
    }
    expect(fake.calls.dialogs.length - dialogsBefore).toBe(MAX_ALLOWED_RELAYS - confirmed.length);
    // Full: refused at once, without asking the user for what could not be kept.
    expect(await allowRelay(eventFrom(fake), 'https://one-too-many.example.org')).toEqual({
      ok: true,
      value: { allowed: false, reason: 'list-full' },
    });
    expect(fake.calls.dialogs.length - dialogsBefore).toBe(MAX_ALLOWED_RELAYS - confirmed.length);
    expect(await filter('https://one-too-many.example.org/healthz')).toBe(false);
    // Every relay confirmed before is still allowed, the first one included.
    const saved = (JSON.parse(readFileSync(relayFile, 'utf8')) as { relayUrls: string[] }).relayUrls;
    expect(saved).toHaveLength(MAX_ALLOWED_RELAYS);
    expect(saved.slice(0, confirmed.length)).toEqual(confirmed);
    for (const url of confirmed) expect(await filter(`${url}/healthz`)).toBe(true);
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
    fake.appEvents.emit('second-instance', {}, ['parley'], root);
    expect(window?.focused).toBe(before + 1);
  });
});

describe('the main process without an OS keyring', () => {
  it('on Linux with the basic_text backend, warns and protects the vault key with a passphrase', async () => {
    if (process.platform !== 'linux') return;
    const { fake } = await launch({ storageBackend: 'basic_text' });
    await waitFor('the warning', () => fake.calls.dialogs.length > 0);
    expect(fake.calls.dialogs[0]).toMatchObject({ type: 'warning', detail: expect.stringContaining('basic_text') });
    expect(await handler(fake, IPC_CHANNELS.vaultCall)(eventFrom(fake), 'getStatus', {})).toMatchObject({
      ok: true,
      value: { keyProtection: 'passphrase' },
    });
  });

  it('falls back to a passphrase when encryption is unavailable', async () => {
    const { fake } = await launch({ storageBackend: 'unknown', encryptionAvailable: false });
    await waitFor('the warning', () => fake.calls.dialogs.length > 0);
    expect(await handler(fake, IPC_CHANNELS.vaultCall)(eventFrom(fake), 'getStatus', {})).toMatchObject({
      ok: true,
      value: { keyProtection: 'passphrase' },
    });
  });
});

describe('single instance', () => {
  it('quits at once, without a window, when another instance holds the lock', async () => {
    const { fake } = await launch({ singleInstanceLock: false });
    expect(fake.calls.quit).toBe(1);
    expect(fake.windows).toHaveLength(0);
    expect(fake.ipcHandlers.size).toBe(0);
  });
});
