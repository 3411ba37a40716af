/**
 * The one app window: its options (every web preference that matters is
 * spelled out, not left to defaults) and the hardening of its web contents:
 * no navigation away from the app, no new windows (http(s) links go to the
 * system browser), no <webview>.
 */
import type { BrowserWindowConstructorOptions, WebContents } from 'electron';
import { isExternalWebUrl } from '../common/external-url.js';
import { APP_ENTRY_URL } from './app-origin.js';

export function mainWindowOptions(preloadPath: string, iconPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1100,
    height: 720,
    minWidth: 420,
    minHeight: 480,
    title: 'Parley',
    icon: iconPath,
    // Shown on 'ready-to-show', so the user never sees an empty frame.
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: true,
    },
  };
}

export interface HardeningOptions {
  /** Hands an http(s) URL to the system browser (shell.openExternal). */
  readonly openExternal: (url: string) => void;
  readonly log: (line: string) => void;
}

/** Applied to every web contents the app creates (app 'web-contents-created'). */
export function hardenWebContents(contents: WebContents, options: HardeningOptions): void {
  // The app is one page: it never navigates (hash and history.pushState
  // changes do not come here) except to reload itself, which the page does
  // to get a CSP listing a relay it just allowed (page-csp.ts). A followed
  // http(s) link goes to the system browser instead; anything else is only refused.
  const refuseNavigation = (event: { preventDefault(): void }, url: string) => {
    if (url === APP_ENTRY_URL) return;
    event.preventDefault();
    if (isExternalWebUrl(url)) options.openExternal(url);
    else options.log(`navigation refused: ${url.slice(0, 200)}`);
  };
  contents.on('will-navigate', refuseNavigation);
  contents.on('will-redirect', (event, url) => {
    event.preventDefault();
    options.log(`redirect refused: ${url.slice(0, 200)}`);
  });
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame) {
      event.preventDefault();
      options.log('subframe navigation refused');
    }
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    options.log('<webview> refused');
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalWebUrl(url)) options.openExternal(url);
    else options.log(`window.open refused: ${url.slice(0, 200)}`);
    return { action: 'deny' };
  });
}
