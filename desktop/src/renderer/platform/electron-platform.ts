/**
 * The Platform inside Electron, over the app half of the preload's bridge
 * (common/preload-api.ts). The page's title carries the unread count as in a
 * browser tab ("(3) Parley"), which Electron shows as the window's title; the
 * main process shows notifications, sets the
 * dock/tray badge, opens links in the system browser, checks a relay's
 * health itself, and allows a relay once the user confirmed it in main's own
 * dialog (its request filter at once, the page's CSP from the next load); it
 * validates every argument again.
 */
import type { ParleyAppBridge } from '../../common/preload-api.js';
import type { Result } from '../../common/result.js';
import type {
  MessageNotification,
  NotificationPermissionState,
  Platform,
  RelayAccess,
  RelayCheck,
} from './platform.js';
import { titleWithUnread, unreadCount } from './unread-title.js';

/** Answers to fire-and-forget calls are only logged: the UI has nothing to do about a refused badge. */
function logFailure(what: string, answer: Promise<Result<unknown>>): void {
  answer.then(
    (result) => {
      if (!result.ok) console.warn(`parley: ${what} refused: ${result.error.code}: ${result.error.message}`);
    },
    (error: unknown) => console.warn(`parley: ${what} failed`, error),
  );
}

export class ElectronPlatform implements Platform {
  readonly kind = 'electron';

  constructor(
    private readonly bridge: ParleyAppBridge,
    /** Where the title is (window in the app; a stand-in in tests). */
    private readonly scope: { readonly document: { title: string } },
  ) {}

  /** The app may always notify: the OS's own settings decide whether it shows. */
  notificationPermission(): NotificationPermissionState {
    return 'granted';
  }

  async requestNotificationPermission(): Promise<NotificationPermissionState> {
    return 'granted';
  }

  notify(notification: MessageNotification): void {
    const { title, body, conversationId } = notification;
    logFailure('notification', this.bridge.notify({ title, body, conversationId }));
  }

  onNotificationClick(listener: (conversationId: string) => void): () => void {
    return this.bridge.onNotificationClick(listener);
  }

  setUnreadBadge(count: number): void {
    const unread = unreadCount(count);
    this.scope.document.title = titleWithUnread(this.scope.document.title, unread);
    logFailure('unread badge', this.bridge.setBadge(unread));
  }

  openExternal(url: string): void {
    logFailure('opening a link', this.bridge.openExternal(url));
  }

  async allowRelay(url: string): Promise<RelayAccess> {
    const result = await this.bridge.allowRelay(url.trim());
    if (result.ok) return result.value;
    // An argument main refused (too long, not text) is not a relay URL either.
    return { allowed: false, reason: 'invalid-url' };
  }

  async checkRelay(url: string): Promise<RelayCheck> {
    const result = await this.bridge.checkRelay(url.trim());
    return result.ok ? result.value : { state: 'invalid-url' };
  }
}
