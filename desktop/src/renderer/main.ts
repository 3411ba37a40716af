/**
 * The renderer's entry: picks the vault transport (Electron's preload bridge
 * or the web shell's WebSocket) and the platform services, applies the
 * theme, and mounts the Svelte app (app/README.md).
 */
// First: configures zod before any schema is created (see the module).
import './app/zod-without-eval.js';
import './app/styles/theme.css';
import './app/styles/base.css';
import { mount } from 'svelte';
import { createVaultClient } from '../common/invoke.js';
import App from './app/App.svelte';
import { errorSentence, logFailure } from './app/state/error-sentences.js';
import { SIDEBAR_WIDTH } from './app/state/preference-values.js';
import { Preferences } from './app/state/preferences.svelte.js';
import { type AppEnvironment, Session } from './app/state/session.svelte.js';
import { ThemeState } from './app/state/theme.svelte.js';
import { selectPlatform } from './platform/select-platform.js';
import { ElectronTransport } from './transport/electron-transport.js';
import { selectTransport, watchWebShellToken } from './transport/select-transport.js';
import { fetchWebShellConfig } from './transport/web-shell-config.js';

/** Both hosts answer ./config.json the same way (Electron main at app://parley/config.json). */
const defaultRelayUrl = async () => (await fetchWebShellConfig()).defaultRelayUrl;

function appEnvironment(): AppEnvironment {
  const transport = selectTransport();
  const vault = createVaultClient(transport);
  const platform = selectPlatform();
  const vaultConnection = transport instanceof ElectronTransport ? null : transport;
  return { vault, platform, vaultConnection, defaultRelayUrl };
}

const target = document.getElementById('app');
if (target === null) throw new Error('index.html lacks #app');

let session: Session | null = null;
let startupError: string | null = null;
let notificationsAllowed = false;
try {
  const environment = appEnvironment();
  notificationsAllowed = environment.platform.notificationPermission() === 'granted';
  session = new Session(environment);
} catch (error) {
  startupError = errorSentence(error);
  logFailure('starting Parley', error);
}

// Notifications default to on where the platform already allows them (Electron); a browser asks first.
const preferences = new Preferences({
  theme: 'system',
  notifications: notificationsAllowed,
  notificationPreviews: true,
  sidebarWidth: SIDEBAR_WIDTH.initial,
});
const theme = new ThemeState(preferences);
theme.applyTo(document.documentElement);

mount(App, { target, props: { session, startupError, preferences, theme } });

// The web shell restarted and its new URL was pasted into this tab: only the
// fragment changed, so nothing reloads; the page takes the token itself (or,
// when it could not start without one, loads again with it).
watchWebShellToken((token) => {
  if (session === null) window.location.reload();
  else void session.reconnect(token);
});
