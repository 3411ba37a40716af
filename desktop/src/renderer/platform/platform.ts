/**
 * What the UI needs from the environment it runs in, beyond the vault: desktop
 * notifications, the unread badge, opening links outside the app, checking a
 * relay and letting the page reach one. Electron implements it over the
 * preload bridge (the main process shows notifications, sets the dock/tray
 * badge, opens links in the system browser, checks relays itself and asks
 * the user before it widens its request filter and the CSP); the web shell
 * implements it with browser APIs. The UI codes against this interface only.
 */
import type { BridgeRelayCheck } from '../../common/preload-api.js';

export type NotificationPermissionState = 'granted' | 'denied' | 'default';

export interface MessageNotification {
  /** The sender's display name (never the account id alone when a name exists). */
  readonly title: string;
  /** A short preview of the text; the UI decides whether to show it. */
  readonly body: string;
  /** Clicking the notification opens this conversation. */
  readonly conversationId: string;
}

/**
 * Whether the page may now talk to a relay URL, and why not. `reloadRequired`
 * (Electron): the relay is allowed, but this document's CSP was fixed before
 * it was, so the page must reload before it can reach it. `declined`
 * (Electron): the user did not allow it in the main process's dialog;
 * `list-full`: the profile allows as many relays as it keeps.
 */
export type RelayAccess =
  | { readonly allowed: true; readonly reloadRequired?: true }
  | { readonly allowed: false; readonly reason: 'not-allowed-by-shell' | 'invalid-url' | 'declined' | 'list-full' };

/** A relay's health as a check found it (common/relay-health.ts), or why it was not asked. */
export type RelayCheck = BridgeRelayCheck | { readonly state: 'not-allowed-by-shell' };

export interface Platform {
  readonly kind: 'electron' | 'web';
  notificationPermission(): NotificationPermissionState;
  /** Asks the user (browser) or reports 'granted' (Electron, where the app may notify). */
  requestNotificationPermission(): Promise<NotificationPermissionState>;
  /** Shows one desktop notification; a no-op without permission. */
  notify(notification: MessageNotification): void;
  /** Called with the conversation id when the user clicks a notification. Returns the unsubscribe. */
  onNotificationClick(listener: (conversationId: string) => void): () => void;
  /** Unread count on the dock/tray badge (Electron) or the tab title and app badge (browser); 0 clears it. */
  setUnreadBadge(count: number): void;
  /** Opens an http(s) link in the system browser; anything else is refused. */
  openExternal(url: string): void;
  /**
   * Makes the relay reachable from this page before the engine first connects
   * to it: for the relay the user finally chose, never while they type
   * (Electron asks the user in a dialog the main process shows, then adds it
   * to the request filter and the CSP of the next load, answering
   * `reloadRequired` when this document's CSP lacks it; the web shell can
   * only allow the relays it was started with).
   */
  allowRelay(url: string): Promise<RelayAccess>;
  /**
   * One bounded health request to the relay (GET /healthz), allowing nothing
   * (Electron: made by the main process; the web shell: by the page, for the
   * relays its CSP allows, `not-allowed-by-shell` for others).
   */
  checkRelay(url: string): Promise<RelayCheck>;
}
