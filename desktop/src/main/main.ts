/**
 * Electron main: the wiring only. Every decision lives in a small module
 * beside this one (README.md lists them); this file connects them to
 * Electron in the order Electron needs:
 *
 *   before 'ready'  profile folder, app:// scheme privileges, single-instance
 *                   lock, hardening of every web contents
 *   after 'ready'   permissions, request filter, app:// handler, the vault
 *                   (OS keychain or passphrase), IPC, the window, badge
 */
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Notification,
  nativeImage,
  protocol,
  safeStorage,
  session,
  shell,
  Tray,
} from 'electron';
import { isExternalWebUrl } from '../common/external-url.js';
import { WEB_SHELL_PROTOCOL_VERSION } from '../common/web-shell-protocol.js';
import { StaticFiles } from '../host/renderer-files.js';
import { securityHeaders } from '../host/security-headers.js';
import { AllowedRelays, canonicalRelayUrl } from './allowed-relays.js';
import { parseAppArgs } from './app-args.js';
import { APP_ENTRY_URL } from './app-origin.js';
import { UnreadBadge } from './badge.js';
import { isRequestAllowed } from './csp.js';
import { registerIpc } from './ipc.js';
import { chooseKeyProtection } from './keychain.js';
import { focusWindow, MessageNotifier } from './notifications.js';
import { PageCsp } from './page-csp.js';
import { restrictPermissions } from './permissions.js';
import { ensureProfileDir, profilePaths } from './profile-paths.js';
import { createAppProtocolHandler, registerAppScheme, serveAppProtocol } from './protocol.js';
import { RELAY_CONSENT_ALLOW, RelayGate, relayConsentDialog } from './relay-gate.js';
import { acquireSingleInstance } from './single-instance.js';
import { hardenWebContents, mainWindowOptions } from './window.js';

/** Built layout: dist/main/main.js beside dist/preload/preload.cjs and dist/renderer/. */
const PRELOAD_PATH = fileURLToPath(new URL('../preload/preload.cjs', import.meta.url));
const RENDERER_DIR = fileURLToPath(new URL('../renderer/', import.meta.url));
const ICON_PATH = app.isPackaged
  ? join(process.resourcesPath, 'icon.png')
  : fileURLToPath(new URL('../../build/icon.png', import.meta.url));

function log(line: string): void {
  process.stderr.write(`[parley] ${line}\n`);
}

function openExternal(url: string): boolean {
  if (!isExternalWebUrl(url)) {
    log(`refused to open ${url.slice(0, 200)} outside the app`);
    return false;
  }
  shell.openExternal(url).catch((error: unknown) => log(`cannot open a link: ${String(error)}`));
  return true;
}

const args = parseAppArgs(process.argv, process.cwd());
// Before anything reads it: the single-instance lock and Chromium's storage live there.
if (args.profileDir) app.setPath('userData', args.profileDir);
registerAppScheme(protocol);

let mainWindow: BrowserWindow | null = null;
const liveWindow = () => (mainWindow && !mainWindow.isDestroyed() ? mainWindow : null);
function focusMainWindow(): void {
  const window = liveWindow();
  if (window) focusWindow(window);
}

if (!acquireSingleInstance(app, focusMainWindow)) {
  app.quit();
} else {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, { openExternal, log }));
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      log(`cannot start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      app.exit(1);
    });
}

async function start(): Promise<void> {
  const paths = profilePaths(app.getPath('userData'), args.profileDir !== null);
  ensureProfileDir(paths);
  const allowedRelays = new AllowedRelays(paths.allowedRelaysFile, args.relayUrls, log);
  const defaultRelayUrl = args.relayUrls.map(canonicalRelayUrl).find((url) => url !== null) ?? null;

  const appSession = session.defaultSession;
  restrictPermissions(appSession);
  appSession.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isRequestAllowed(details.url, allowedRelays.origins);
    if (!allowed) log(`request refused: ${details.url.slice(0, 200)}`);
    callback({ cancel: !allowed });
  });

  const pageCsp = new PageCsp(allowedRelays);
  const relayGate = new RelayGate({
    relays: allowedRelays,
    pageCsp,
    // Shown by main over our window, never drawn by the page: the page cannot fake or skip it.
    confirm: async (relayUrl) => {
      const window = liveWindow();
      if (window === null) return false;
      const { response } = await dialog.showMessageBox(window, relayConsentDialog(relayUrl));
      return response === RELAY_CONSENT_ALLOW;
    },
    log,
  });
  serveAppProtocol(
    protocol,
    createAppProtocolHandler({
      files: new StaticFiles(await realpath(RENDERER_DIR)),
      headers: () => securityHeaders(pageCsp.policy()),
      config: () => ({ protocol: WEB_SHELL_PROTOCOL_VERSION, defaultRelayUrl, relayUrls: allowedRelays.relayUrls }),
      onDocumentServed: () => pageCsp.documentServed(),
    }),
  );

  const protection = await chooseKeyProtection(safeStorage, process.platform);
  // Loaded only now: the vault pulls in libsignal.
  const { Vault } = await import('../vault/index.js');
  const vault =
    protection.keyProtection === 'os-keychain'
      ? new Vault({
          profileDir: paths.vaultDir,
          keyProtection: 'os-keychain',
          keychain: protection.keychain,
          backupDir: paths.backupDir,
        })
      : new Vault({ profileDir: paths.vaultDir, keyProtection: 'passphrase', backupDir: paths.backupDir });

  // One window: closing it ends the app (and locks the vault), on macOS too.
  app.on('window-all-closed', () => app.quit());
  const window = new BrowserWindow(mainWindowOptions(PRELOAD_PATH, ICON_PATH));
  mainWindow = window;
  window.once('ready-to-show', () => window.show());

  const notifier = new MessageNotifier({
    createNotification: (options) => new Notification(options),
    isSupported: () => Notification.isSupported(),
    window: liveWindow,
  });
  const badge = new UnreadBadge({
    app,
    platform: process.platform,
    createTray: () => new Tray(nativeImage.createFromPath(ICON_PATH).resize({ width: 22, height: 22 })),
    onTrayClick: focusMainWindow,
  });
  badge.start();

  registerIpc({
    ipcMain,
    vault,
    trustedWebContents: () => liveWindow()?.webContents ?? null,
    actions: {
      notify: (notification) => notifier.show(notification),
      setBadge: (count) => badge.set(count),
      openExternal,
      allowRelay: (url) => relayGate.allow(url),
      checkRelay: (url) => relayGate.check(url),
    },
    log,
  });

  await window.loadURL(APP_ENTRY_URL);

  if (protection.keyProtection === 'passphrase') {
    log(protection.warning);
    // Said once, when the user is about to choose how keys are protected; an existing profile knows already.
    if ((await vault.getStatus({})).state === 'no-identity') {
      await dialog.showMessageBox(window, {
        type: 'warning',
        message: 'No system keyring',
        detail: protection.warning,
      });
    }
  }

  let locked = false;
  app.on('before-quit', (event) => {
    if (locked) return;
    // Lock first: it checkpoints the vault's database and drops the keys from memory.
    event.preventDefault();
    badge.stop();
    vault.lock({}).finally(() => {
      locked = true;
      app.quit();
    });
  });
}
