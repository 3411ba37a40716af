/**
 * The Platform in a browser served by the web shell: the Notification API,
 * the unread count in the tab title ("(3) Parley") and the installed-app
 * badge where the browser has one, links in a new tab without opener or
 * referrer, and only the relays the web shell was started with (its CSP
 * allows exactly those, so no other relay can be reached or even checked
 * from this page; the shell's CSP is made per launch from its --relay list).
 */
import { normalizeRelayUrl } from '@parley/crypto-core/wire';
import { isExternalWebUrl } from '../../common/external-url.js';
import { fetchRelayHealth } from '../../common/relay-health.js';
import type { WebShellConfig } from '../../common/web-shell-protocol.js';
import { fetchWebShellConfig } from '../transport/web-shell-config.js';
import type {
  MessageNotification,
  NotificationPermissionState,
  Platform,
  RelayAccess,
  RelayCheck,
} from './platform.js';
import { titleWithUnread, unreadCount } from './unread-title.js';

/** The browser objects this platform uses (window in the app; small fakes in tests). */
export interface WebPlatformScope {
  readonly Notification?: {
    readonly permission: NotificationPermission;
    requestPermission(): Promise<NotificationPermission>;
    new (title: string, options?: NotificationOptions): Notification;
  };
  readonly document: { title: string };
  readonly navigator: { setAppBadge?(count?: number): Promise<void>; clearAppBadge?(): Promise<void> };
  open(url: string, target: string, features: string): unknown;
  focus(): void;
}

export class WebPlatform implements Platform {
  readonly kind = 'web';
  readonly #listeners = new Set<(conversationId: string) => void>();
  #config: Promise<WebShellConfig> | null = null;

  constructor(
    private readonly scope: WebPlatformScope = window,
    private readonly loadConfig: () => Promise<WebShellConfig> = () => fetchWebShellConfig(),
    private readonly fetchImpl: typeof fetch = (input, init) => globalThis.fetch(input, init),
  ) {}

  notificationPermission(): NotificationPermissionState {
    return this.scope.Notification?.permission ?? 'denied';
  }

  async requestNotificationPermission(): Promise<NotificationPermissionState> {
    const api = this.scope.Notification;
    if (!api) return 'denied';
    if (api.permission !== 'default') return api.permission;
    return api.requestPermission();
  }

  notify(notification: MessageNotification): void {
    const api = this.scope.Notification;
    if (api?.permission !== 'granted') return;
    // The tag replaces an older notification of the same conversation instead of stacking them.
    const shown = new api(notification.title, { body: notification.body, tag: notification.conversationId });
    shown.onclick = () => {
      this.scope.focus();
      shown.close();
      for (const listener of this.#listeners) listener(notification.conversationId);
    };
  }

  onNotificationClick(listener: (conversationId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  setUnreadBadge(count: number): void {
    const unread = unreadCount(count);
    this.scope.document.title = titleWithUnread(this.scope.document.title, unread);
    const { navigator } = this.scope;
    // Only installed web apps have a badge; elsewhere these reject or are absent, and the title suffices.
    const badge = unread > 0 ? navigator.setAppBadge?.(unread) : navigator.clearAppBadge?.();
    badge?.catch(() => {});
  }

  openExternal(url: string): void {
    if (!isExternalWebUrl(url)) return;
    this.scope.open(url, '_blank', 'noopener,noreferrer');
  }

  async allowRelay(url: string): Promise<RelayAccess> {
    const canonical = await this.#shellRelay(url);
    if (canonical === null) return { allowed: false, reason: 'invalid-url' };
    return canonical.allowed ? { allowed: true } : { allowed: false, reason: 'not-allowed-by-shell' };
  }

  async checkRelay(url: string): Promise<RelayCheck> {
    const canonical = await this.#shellRelay(url);
    if (canonical === null) return { state: 'invalid-url' };
    if (!canonical.allowed) return { state: 'not-allowed-by-shell' };
    return fetchRelayHealth(canonical.relayUrl, this.fetchImpl);
  }

  /** The canonical relay URL and whether the shell was started with it; null when it is no relay URL. */
  async #shellRelay(url: string): Promise<{ relayUrl: string; allowed: boolean } | null> {
    let relayUrl: string;
    try {
      relayUrl = normalizeRelayUrl(url.trim());
    } catch {
      return null;
    }
    const config = await this.#shellConfig();
    return { relayUrl, allowed: config.relayUrls.includes(relayUrl) };
  }

  async #shellConfig(): Promise<WebShellConfig> {
    this.#config ??= this.loadConfig();
    try {
      return await this.#config;
    } catch (error) {
      this.#config = null; // a failed fetch is retried by the next call
      throw error;
    }
  }
}
