/**
 * Electron preload: exposes exactly one frozen object, `window.parley`
 * (common/preload-api.ts), to the sandboxed, context-isolated renderer.
 *
 * Self-contained CommonJS: a sandboxed preload can require only 'electron'
 * (and a few polyfills), so the channel names are inlined here; a test
 * checks them against IPC_CHANNELS. Nothing from ipcRenderer leaks to the
 * page: listeners receive only the arguments, never the IPC event (whose
 * `sender` would hand the page ipcRenderer itself).
 */
import type { IpcRendererEvent } from 'electron';
import type { IpcChannel, ParleyBridge } from '../common/preload-api.js';
import type { VaultEventName } from '../common/vault-api.js';

// CommonJS: under verbatimModuleSyntax, `import x = require()` is what emits a plain require.
import electron = require('electron');

const { contextBridge, ipcRenderer } = electron;

const GLOBAL_NAME = 'parley';
const CHANNELS = {
  vaultCall: 'parley:vault-call',
  vaultEvent: 'parley:vault-event',
  notify: 'parley:notify',
  setBadge: 'parley:set-badge',
  openExternal: 'parley:open-external',
  allowRelay: 'parley:allow-relay',
  checkRelay: 'parley:check-relay',
  notificationClick: 'parley:notification-click',
} as const satisfies Record<string, IpcChannel>;

/** Subscribes to a main -> renderer channel, passing on only the arguments. */
function subscribe<Args extends unknown[]>(channel: IpcChannel, listener: (...args: Args) => void): () => void {
  const forward = (_event: IpcRendererEvent, ...args: unknown[]) => listener(...(args as Args));
  ipcRenderer.on(channel, forward);
  return () => {
    ipcRenderer.removeListener(channel, forward);
  };
}

const bridge: ParleyBridge = {
  vault: Object.freeze({
    call: (method: string, args: unknown) => ipcRenderer.invoke(CHANNELS.vaultCall, method, args),
    onEvent: (listener: (name: VaultEventName, payload: unknown) => void) =>
      subscribe<[VaultEventName, unknown]>(CHANNELS.vaultEvent, listener),
  }),
  app: Object.freeze({
    notify: (notification: { title: string; body: string; conversationId: string }) =>
      ipcRenderer.invoke(CHANNELS.notify, notification),
    setBadge: (count: number) => ipcRenderer.invoke(CHANNELS.setBadge, count),
    openExternal: (url: string) => ipcRenderer.invoke(CHANNELS.openExternal, url),
    allowRelay: (url: string) => ipcRenderer.invoke(CHANNELS.allowRelay, url),
    checkRelay: (url: string) => ipcRenderer.invoke(CHANNELS.checkRelay, url),
    onNotificationClick: (listener: (conversationId: string) => void) =>
      subscribe<[string]>(CHANNELS.notificationClick, listener),
  }),
};

contextBridge.exposeInMainWorld(GLOBAL_NAME, Object.freeze(bridge));
