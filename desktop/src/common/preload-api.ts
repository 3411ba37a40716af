/**
 * The one object Electron's preload exposes to the renderer
 * (contextBridge.exposeInMainWorld(PRELOAD_GLOBAL_NAME, ...)), and the IPC
 * channels behind it. Declared here so the preload, the main process and the
 * renderer agree on both. Types and constants only: the preload is a
 * self-contained CommonJS script (sandboxed preloads can require nothing but
 * 'electron'), so it inlines the constants; a test checks that its copy
 * matches this one.
 */
import type { RelayHealth } from './relay-health.js';
import type { Result } from './result.js';
import type { VaultEventName } from './vault-api.js';

export const PRELOAD_GLOBAL_NAME = 'parley';

/** Every IPC channel between the preload and the main process. */
export const IPC_CHANNELS = {
  /** renderer -> main (invoke): one vault call `(method, args)`, answered with its Result. */
  vaultCall: 'parley:vault-call',
  /** main -> renderer: a vault event `(name, payload)`. */
  vaultEvent: 'parley:vault-event',
  /** renderer -> main (invoke): show a message notification. */
  notify: 'parley:notify',
  /** renderer -> main (invoke): the unread count on the dock, taskbar or tray. */
  setBadge: 'parley:set-badge',
  /** renderer -> main (invoke): open an http(s) link in the system browser. */
  openExternal: 'parley:open-external',
  /** renderer -> main (invoke): ask the user (a dialog main shows) to let the page reach a relay; answers a RelayAccess. */
  allowRelay: 'parley:allow-relay',
  /** renderer -> main (invoke): main checks a relay's health itself, allowing nothing; answers a RelayCheck. */
  checkRelay: 'parley:check-relay',
  /** main -> renderer: the user clicked a notification `(conversationId)`. */
  notificationClick: 'parley:notification-click',
} as const;
export type IpcChannel = (typeof IPC_CHANNELS)[keyof typeof IPC_CHANNELS];

export interface ParleyVaultBridge {
  /** One vault call; the main process validates and dispatches it (dispatchVaultCall). */
  call(method: string, args: unknown): Promise<Result<unknown>>;
  /** Subscribes to vault events; returns the unsubscribe function. */
  onEvent(listener: (name: VaultEventName, payload: unknown) => void): () => void;
}

/**
 * What the main process answers to allowRelay (the renderer's RelayAccess,
 * restated so common stays below renderer): `declined`, the user did not
 * allow it in main's dialog; `list-full`, the profile allows as many relays
 * as it keeps.
 */
export type BridgeRelayAccess =
  | { readonly allowed: true; readonly reloadRequired?: true }
  | { readonly allowed: false; readonly reason: 'not-allowed-by-shell' | 'invalid-url' | 'declined' | 'list-full' };

/** What main answers to checkRelay: the health it found, or why it did not ask (a bad URL, checks too often). */
export type BridgeRelayCheck = RelayHealth | { readonly state: 'invalid-url' } | { readonly state: 'too-many-checks' };

/** The app functions the UI needs from Electron; every argument is validated again in main. */
export interface ParleyAppBridge {
  notify(notification: { title: string; body: string; conversationId: string }): Promise<Result<null>>;
  setBadge(count: number): Promise<Result<null>>;
  openExternal(url: string): Promise<Result<null>>;
  allowRelay(url: string): Promise<Result<BridgeRelayAccess>>;
  checkRelay(url: string): Promise<Result<BridgeRelayCheck>>;
  /** Called with the conversation id when the user clicks a notification; returns the unsubscribe function. */
  onNotificationClick(listener: (conversationId: string) => void): () => void;
}

export interface ParleyBridge {
  readonly vault: ParleyVaultBridge;
  readonly app: ParleyAppBridge;
}

declare global {
  interface Window {
    /** Present only inside Electron, where the preload exposed it. */
    readonly parley?: ParleyBridge;
  }
}
