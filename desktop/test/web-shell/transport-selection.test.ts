/**
 * The renderer's transport selection and the token hand-over from the URL
 * fragment, with stand-ins for window, location, history and storage.
 */
import { describe, expect, it } from 'vitest';
import type { ParleyVaultBridge } from '../../src/common/preload-api.js';
import { ElectronTransport } from '../../src/renderer/transport/electron-transport.js';
import { selectTransport } from '../../src/renderer/transport/select-transport.js';
import { takeLaunchToken, vaultSocketUrl, watchLaunchToken } from '../../src/renderer/transport/web-shell-location.js';
import { WebSocketTransport } from '../../src/renderer/transport/web-socket-transport.js';

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

function fakeBrowser(href: string, storage: MemoryStorage | null = new MemoryStorage()) {
  const url = new URL(href);
  const replaced: string[] = [];
  const location = {
    get hash() {
      return url.hash;
    },
    get pathname() {
      return url.pathname;
    },
    get search() {
      return url.search;
    },
    protocol: url.protocol,
    host: url.host,
  };
  const history = {
    state: null,
    replaceState(_state: unknown, _unused: string, next: string) {
      replaced.push(next);
      const nextUrl = new URL(next, url);
      url.hash = nextUrl.hash;
    },
  };
  return { location, history, storage, replaced };
}

function asWindow(parts: object): Window {
  // Only the members selectTransport reads are provided.
  return parts as unknown as Window;
}

describe('takeLaunchToken', () => {
  it('takes the token from the fragment, keeps it for reloads, and removes it from the address bar', () => {
    const browser = fakeBrowser('http://127.0.0.1:4000/?x=1#token=abc&view=chat');
    const storage = browser.storage as unknown as Storage;
    expect(takeLaunchToken(browser.location, browser.history, storage)).toBe('abc');
    expect(browser.replaced).toEqual(['/?x=1#view=chat']);
    // After a reload the fragment no longer has it; this tab's storage does.
    expect(takeLaunchToken(browser.location, browser.history, storage)).toBe('abc');
  });

  it('leaves the token in the address bar when there is no storage to keep it in', () => {
    const browser = fakeBrowser('http://127.0.0.1:4000/#token=abc', null);
    expect(takeLaunchToken(browser.location, browser.history, null)).toBe('abc');
    expect(browser.replaced).toEqual([]);
  });

  it('prefers a fresh fragment over a stored token (a new shell launch)', () => {
    const storage = new MemoryStorage();
    storage.setItem('parley.webShellToken', 'old');
    const browser = fakeBrowser('http://127.0.0.1:4000/#token=new', storage);
    expect(takeLaunchToken(browser.location, browser.history, storage as unknown as Storage)).toBe('new');
    expect(storage.getItem('parley.webShellToken')).toBe('new');
  });

  it('is null when neither has a token', () => {
    const browser = fakeBrowser('http://127.0.0.1:4000/');
    expect(takeLaunchToken(browser.location, browser.history, browser.storage as unknown as Storage)).toBeNull();
  });
});

describe('watchLaunchToken', () => {
  /** The page's own fragment changes, as pasting a URL that differs only there does (no reload). */
  function pageWithHashChanges(storage: MemoryStorage) {
    const browser = fakeBrowser('http://127.0.0.1:4000/', storage);
    const listeners = new Set<() => void>();
    const scope = {
      location: browser.location,
      history: browser.history,
      addEventListener: (type: string, listener: () => void) => {
        if (type === 'hashchange') listeners.add(listener);
      },
      removeEventListener: (type: string, listener: () => void) => {
        if (type === 'hashchange') listeners.delete(listener);
      },
    };
    const navigate = (hash: string) => {
      browser.history.replaceState(null, '', `/${hash}`);
      for (const listener of listeners) listener();
    };
    return { scope: scope as unknown as Window, browser, listeners, navigate };
  }

  it('hands over each new token pasted into the tab, keeps it for reloads and clears the address bar', () => {
    const storage = new MemoryStorage();
    const page = pageWithHashChanges(storage);
    const tokens: string[] = [];
    const stop = watchLaunchToken(page.scope, storage as unknown as Storage, (token) => tokens.push(token));
    page.navigate('#token=second-launch');
    page.navigate('#view=chat');
    page.navigate('#token=third-launch&view=chat');
    expect(tokens).toEqual(['second-launch', 'third-launch']);
    expect(storage.getItem('parley.webShellToken')).toBe('third-launch');
    expect(page.browser.location.hash).toBe('#view=chat');
    stop();
    expect(page.listeners.size).toBe(0);
    page.navigate('#token=after-stop');
    expect(tokens).toEqual(['second-launch', 'third-launch']);
  });
});

describe('vaultSocketUrl', () => {
  it('is /vault on the page’s own host', () => {
    expect(vaultSocketUrl({ protocol: 'http:', host: '127.0.0.1:4000' })).toBe('ws://127.0.0.1:4000/vault');
    expect(vaultSocketUrl({ protocol: 'https:', host: 'localhost:4000' })).toBe('wss://localhost:4000/vault');
  });
});

describe('selectTransport', () => {
  it('uses the preload bridge inside Electron and passes calls and events through', async () => {
    const listeners: ((name: 'locked', payload: unknown) => void)[] = [];
    const bridge: ParleyVaultBridge = {
      call: async (method, args) => ({ ok: true, value: { method, args } }),
      onEvent: (listener) => {
        listeners.push(listener);
        return () => listeners.splice(listeners.indexOf(listener), 1);
      },
    };
    const transport = selectTransport(asWindow({ parley: { vault: bridge } }));
    expect(transport).toBeInstanceOf(ElectronTransport);
    expect(await transport.call('getStatus', {})).toEqual({ ok: true, value: { method: 'getStatus', args: {} } });
    const seen: unknown[] = [];
    const off = transport.onEvent((name, payload) => seen.push([name, payload]));
    for (const listener of listeners) listener('locked', {});
    off();
    expect(seen).toEqual([['locked', {}]]);
    expect(listeners).toEqual([]);
  });

  it('uses the web shell’s socket in a browser, with the token from the fragment', () => {
    const browser = fakeBrowser('http://127.0.0.1:4000/#token=abc');
    const transport = selectTransport(
      asWindow({ location: browser.location, history: browser.history, sessionStorage: browser.storage }),
    );
    expect(transport).toBeInstanceOf(WebSocketTransport);
    expect(transport.kind).toBe('web-shell');
  });

  it('throws NO_TOKEN in a browser opened without the token', () => {
    const browser = fakeBrowser('http://127.0.0.1:4000/');
    expect(() =>
      selectTransport(
        asWindow({ location: browser.location, history: browser.history, sessionStorage: browser.storage }),
      ),
    ).toThrow(expect.objectContaining({ code: 'NO_TOKEN' }));
  });
});
