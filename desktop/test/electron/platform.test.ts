/**
 * The renderer's Platform implementations with small fakes of the browser
 * (Notification, document, navigator, window.open) and of the preload
 * bridge, and the selection between them.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ParleyAppBridge, ParleyBridge } from '../../src/common/preload-api.js';
import type { WebShellConfig } from '../../src/common/web-shell-protocol.js';
import { ElectronPlatform } from '../../src/renderer/platform/electron-platform.js';
import { selectPlatform } from '../../src/renderer/platform/select-platform.js';
import { WebPlatform, type WebPlatformScope } from '../../src/renderer/platform/web-platform.js';

function fakeBrowser(permission: NotificationPermission = 'default', answer: NotificationPermission = 'granted') {
  const shown: { title: string; options?: NotificationOptions; closed: boolean; onclick: (() => void) | null }[] = [];
  const opened: string[][] = [];
  const badges: (number | 'cleared')[] = [];
  const FakeNotification = class {
    static permission: NotificationPermission = permission;
    static async requestPermission(): Promise<NotificationPermission> {
      FakeNotification.permission = answer;
      return answer;
    }
    readonly record: (typeof shown)[number];
    constructor(title: string, options?: NotificationOptions) {
      this.record = { title, options, closed: false, onclick: null };
      shown.push(this.record);
    }
    set onclick(listener: () => void) {
      this.record.onclick = listener;
    }
    close(): void {
      this.record.closed = true;
    }
  };
  let focused = 0;
  const scope = {
    Notification: FakeNotification as unknown as WebPlatformScope['Notification'],
    document: { title: 'Parley' },
    navigator: {
      setAppBadge: async (count?: number) => {
        badges.push(count ?? 0);
      },
      clearAppBadge: async () => {
        badges.push('cleared');
      },
    },
    open: (...args: string[]) => opened.push(args),
    focus: () => focused++,
  } satisfies WebPlatformScope;
  return { scope, shown, opened, badges, focused: () => focused };
}

const config = (relayUrls: string[]): WebShellConfig => ({
  protocol: 1,
  defaultRelayUrl: relayUrls[0] ?? null,
  relayUrls,
});

describe('WebPlatform', () => {
  it('asks for notification permission once, and notifies only when granted', async () => {
    const browser = fakeBrowser('default', 'granted');
    const platform = new WebPlatform(browser.scope, async () => config([]));
    expect(platform.kind).toBe('web');
    expect(platform.notificationPermission()).toBe('default');
    platform.notify({ title: 'Alice', body: 'Hi', conversationId: 'c1' });
    expect(browser.shown).toEqual([]);
    expect(await platform.requestNotificationPermission()).toBe('granted');
    platform.notify({ title: 'Alice', body: 'Hi', conversationId: 'c1' });
    expect(browser.shown).toMatchObject([{ title: 'Alice', options: { body: 'Hi', tag: 'c1' } }]);
  });

  it('reports denied without the Notification API, and never notifies when denied', async () => {
    const { Notification: _, ...withoutApi } = fakeBrowser().scope;
    expect(new WebPlatform(withoutApi).notificationPermission()).toBe('denied');
    expect(await new WebPlatform(withoutApi).requestNotificationPermission()).toBe('denied');
    const denied = fakeBrowser('denied');
    const platform = new WebPlatform(denied.scope);
    expect(await platform.requestNotificationPermission()).toBe('denied');
    platform.notify({ title: 'Alice', body: 'Hi', conversationId: 'c1' });
    expect(denied.shown).toEqual([]);
  });

  it('on a click, focuses the tab, closes the notification and reports the conversation', () => {
    const browser = fakeBrowser('granted');
    const platform = new WebPlatform(browser.scope);
    const clicked: string[] = [];
    const off = platform.onNotificationClick((id) => clicked.push(id));
    platform.notify({ title: 'Bob', body: 'Yo', conversationId: 'c2' });
    browser.shown[0]?.onclick?.();
    expect(clicked).toEqual(['c2']);
    expect(browser.shown[0]?.closed).toBe(true);
    expect(browser.focused()).toBe(1);
    off();
    platform.notify({ title: 'Bob', body: 'Again', conversationId: 'c2' });
    browser.shown[1]?.onclick?.();
    expect(clicked).toEqual(['c2']);
  });

  it('puts the unread count in the tab title and the app badge, and clears both at 0', async () => {
    const browser = fakeBrowser();
    const platform = new WebPlatform(browser.scope);
    platform.setUnreadBadge(3);
    expect(browser.scope.document.title).toBe('(3) Parley');
    platform.setUnreadBadge(12);
    expect(browser.scope.document.title).toBe('(12) Parley');
    platform.setUnreadBadge(0);
    expect(browser.scope.document.title).toBe('Parley');
    await Promise.resolve();
    expect(browser.badges).toEqual([3, 12, 'cleared']);
  });

  it('works where the browser has no app badge (and ignores its refusals)', () => {
    const browser = fakeBrowser();
    const rejecting = {
      ...browser.scope,
      navigator: { setAppBadge: () => Promise.reject(new Error('NotAllowedError')) },
    };
    new WebPlatform(rejecting).setUnreadBadge(1);
    expect(rejecting.document.title).toBe('(1) Parley');
    new WebPlatform({ ...browser.scope, navigator: {} }).setUnreadBadge(2);
  });

  it('opens only http(s) links, in a new tab without opener or referrer', () => {
    const browser = fakeBrowser();
    const platform = new WebPlatform(browser.scope);
    platform.openExternal('https://example.org/a');
    platform.openExternal('javascript:alert(1)');
    platform.openExternal('file:///etc/passwd');
    platform.openExternal('https://user:secret@example.org/');
    expect(browser.opened).toEqual([['https://example.org/a', '_blank', 'noopener,noreferrer']]);
  });

  it('allows exactly the relays the web shell was started with (canonical form)', async () => {
    const loadConfig = vi.fn(async () => config(['http://127.0.0.1:7447', 'https://relay.example.org/base']));
    const platform = new WebPlatform(fakeBrowser().scope, loadConfig);
    expect(await platform.allowRelay('http://127.0.0.1:7447/')).toEqual({ allowed: true });
    expect(await platform.allowRelay(' https://relay.example.org/base/ ')).toEqual({ allowed: true });
    expect(await platform.allowRelay('https://other.example.org')).toEqual({
      allowed: false,
      reason: 'not-allowed-by-shell',
    });
    expect(await platform.allowRelay('ftp://relay.example.org')).toEqual({ allowed: false, reason: 'invalid-url' });
    expect(await platform.allowRelay('not a url')).toEqual({ allowed: false, reason: 'invalid-url' });
    expect(loadConfig).toHaveBeenCalledTimes(1);
  });

  it('checks only the relays the web shell was started with, from the page, with one bounded request', async () => {
    const fetched: string[] = [];
    const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
      fetched.push(`${String(input)} redirect=${init?.redirect} credentials=${init?.credentials}`);
      return new Response(JSON.stringify({ status: 'ok', version: '9.9.9', wireVersion: 1 }));
    }) as typeof fetch;
    const platform = new WebPlatform(fakeBrowser().scope, async () => config(['http://127.0.0.1:7447']), fetchImpl);
    expect(await platform.checkRelay('http://127.0.0.1:7447/')).toEqual({
      state: 'ok',
      version: '9.9.9',
      registration: 'unknown',
    });
    // Its CSP would refuse any other relay: not even asked.
    expect(await platform.checkRelay('https://other.example.org')).toEqual({ state: 'not-allowed-by-shell' });
    expect(await platform.checkRelay('ftp://relay.example.org')).toEqual({ state: 'invalid-url' });
    expect(fetched).toEqual([
      'http://127.0.0.1:7447/healthz redirect=error credentials=omit',
      'http://127.0.0.1:7447/v1/registration redirect=error credentials=omit',
    ]);
  });

  it('retries the config after a failed fetch', async () => {
    const loadConfig = vi
      .fn<() => Promise<WebShellConfig>>()
      .mockRejectedValueOnce(new Error('offline'))
      .mockResolvedValue(config(['http://127.0.0.1:7447']));
    const platform = new WebPlatform(fakeBrowser().scope, loadConfig);
    await expect(platform.allowRelay('http://127.0.0.1:7447')).rejects.toThrow('offline');
    expect(await platform.allowRelay('http://127.0.0.1:7447')).toEqual({ allowed: true });
  });
});

function fakeBridge(overrides: Partial<ParleyAppBridge> = {}) {
  const calls: unknown[][] = [];
  const clickListeners = new Set<(id: string) => void>();
  const app: ParleyAppBridge = {
    notify: async (notification) => {
      calls.push(['notify', notification]);
      return { ok: true, value: null };
    },
    setBadge: async (count) => {
      calls.push(['setBadge', count]);
      return { ok: true, value: null };
    },
    openExternal: async (url) => {
      calls.push(['openExternal', url]);
      return { ok: false, error: { code: 'INVALID_ARGUMENT', message: 'only http(s) links open outside the app' } };
    },
    allowRelay: async (url) => {
      calls.push(['allowRelay', url]);
      return { ok: true, value: { allowed: true } };
    },
    checkRelay: async (url) => {
      calls.push(['checkRelay', url]);
      return { ok: true, value: { state: 'ok', version: '1.2.3', registration: 'open' } };
    },
    onNotificationClick: (listener) => {
      clickListeners.add(listener);
      return () => clickListeners.delete(listener);
    },
    ...overrides,
  };
  return { app, calls, clickListeners };
}

/** The page's document, as far as ElectronPlatform reads it. */
function titledPage(): { document: { title: string } } {
  return { document: { title: 'Parley' } };
}

describe('ElectronPlatform', () => {
  it('puts the unread count in the page title, which Electron shows as the window title, as in the web shell', () => {
    const bridge = fakeBridge();
    const page = titledPage();
    const electron = new ElectronPlatform(bridge.app, page);
    const browser = fakeBrowser();
    const web = new WebPlatform(browser.scope);
    for (const count of [3, 12, 0]) {
      electron.setUnreadBadge(count);
      web.setUnreadBadge(count);
      expect(page.document.title).toBe(browser.scope.document.title);
    }
    electron.setUnreadBadge(5);
    expect(page.document.title).toBe('(5) Parley');
    expect(bridge.calls).toEqual([
      ['setBadge', 3],
      ['setBadge', 12],
      ['setBadge', 0],
      ['setBadge', 5],
    ]);
  });

  it('passes notifications, badge counts, links and relays to the main process', async () => {
    const bridge = fakeBridge();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const platform = new ElectronPlatform(bridge.app, titledPage());
    expect(platform.kind).toBe('electron');
    expect(platform.notificationPermission()).toBe('granted');
    expect(await platform.requestNotificationPermission()).toBe('granted');
    platform.notify({ title: 'Alice', body: 'Hi', conversationId: 'c1' });
    platform.setUnreadBadge(4);
    platform.setUnreadBadge(-2);
    platform.openExternal('file:///etc/passwd');
    expect(await platform.checkRelay(' https://relay.example.org ')).toEqual({
      state: 'ok',
      version: '1.2.3',
      registration: 'open',
    });
    expect(await platform.allowRelay(' https://relay.example.org ')).toEqual({ allowed: true });
    expect(bridge.calls).toEqual([
      ['notify', { title: 'Alice', body: 'Hi', conversationId: 'c1' }],
      ['setBadge', 4],
      ['setBadge', 0],
      ['openExternal', 'file:///etc/passwd'],
      ['checkRelay', 'https://relay.example.org'],
      ['allowRelay', 'https://relay.example.org'],
    ]);
    await vi.waitFor(() => expect(warn).toHaveBeenCalledWith(expect.stringContaining('INVALID_ARGUMENT')));
    warn.mockRestore();
  });

  it('reports notification clicks and unsubscribes', () => {
    const bridge = fakeBridge();
    const platform = new ElectronPlatform(bridge.app, titledPage());
    const clicked: string[] = [];
    const off = platform.onNotificationClick((id) => clicked.push(id));
    for (const listener of bridge.clickListeners) listener('c9');
    off();
    expect(clicked).toEqual(['c9']);
    expect(bridge.clickListeners.size).toBe(0);
  });

  it('passes on that the page must reload before it can reach a relay', async () => {
    const bridge = fakeBridge({
      allowRelay: async () => ({ ok: true, value: { allowed: true, reloadRequired: true } }),
    });
    expect(await new ElectronPlatform(bridge.app, titledPage()).allowRelay('https://relay.example.org')).toEqual({
      allowed: true,
      reloadRequired: true,
    });
  });

  it('passes on that the user declined the relay in main’s dialog', async () => {
    const bridge = fakeBridge({
      allowRelay: async () => ({ ok: true, value: { allowed: false, reason: 'declined' } }),
    });
    expect(await new ElectronPlatform(bridge.app, titledPage()).allowRelay('https://relay.example.org')).toEqual({
      allowed: false,
      reason: 'declined',
    });
  });

  it('treats an argument main refused as an invalid relay URL', async () => {
    const refused = { ok: false, error: { code: 'INVALID_ARGUMENT', message: 'too long' } } as const;
    const bridge = fakeBridge({ allowRelay: async () => refused, checkRelay: async () => refused });
    const platform = new ElectronPlatform(bridge.app, titledPage());
    expect(await platform.allowRelay('x')).toEqual({ allowed: false, reason: 'invalid-url' });
    expect(await platform.checkRelay('x')).toEqual({ state: 'invalid-url' });
  });
});

describe('selectPlatform', () => {
  it('is Electron’s when the preload exposed window.parley, else the web one', () => {
    const bridge: ParleyBridge = {
      vault: { call: async () => ({ ok: true, value: null }), onEvent: () => () => {} },
      app: fakeBridge().app,
    };
    expect(selectPlatform({ parley: bridge } as unknown as Window).kind).toBe('electron');
    expect(selectPlatform(fakeBrowser().scope as unknown as Window).kind).toBe('web');
  });
});
