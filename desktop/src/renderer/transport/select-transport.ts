/**
 * Picks the vault transport for the environment the renderer runs in:
 * Electron when the preload exposed its bridge, else the web shell that
 * served this page.
 */
import { ElectronTransport } from './electron-transport.js';
import { VaultTransportError } from './transport-error.js';
import { takeLaunchToken, vaultSocketUrl, watchLaunchToken } from './web-shell-location.js';
import { WebSocketTransport, type WebSocketTransportOptions } from './web-socket-transport.js';

export type SelectedTransport = ElectronTransport | WebSocketTransport;

function sessionStorageOrNull(scope: Window): Storage | null {
  try {
    return scope.sessionStorage;
  } catch {
    return null;
  }
}

/**
 * Throws VaultTransportError('NO_TOKEN') in a browser when the page was not
 * opened from the URL the web shell printed.
 */
export function selectTransport(
  scope: Window = window,
  webShellOptions: Omit<WebSocketTransportOptions, 'url' | 'token'> = {},
): SelectedTransport {
  if (scope.parley) return new ElectronTransport(scope.parley.vault);
  const token = takeLaunchToken(scope.location, scope.history, sessionStorageOrNull(scope));
  if (!token) {
    throw new VaultTransportError(
      'NO_TOKEN',
      'this page needs the token from the web shell: open the URL the web shell printed (…/#token=…)',
    );
  }
  return new WebSocketTransport({ ...webShellOptions, url: vaultSocketUrl(scope.location), token });
}

/**
 * In a browser, calls `onToken` with each launch token pasted into this tab
 * later (web-shell-location.ts); in Electron there is none. Returns the unsubscribe.
 */
export function watchWebShellToken(onToken: (token: string) => void, scope: Window = window): () => void {
  if (scope.parley) return () => {};
  return watchLaunchToken(scope, sessionStorageOrNull(scope), onToken);
}
