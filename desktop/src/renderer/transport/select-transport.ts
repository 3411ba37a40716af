/**
 * Picks the vault transport for the environment the renderer runs in:
 * Electron when the preload exposed its bridge, else the web shell that
 * served this page.
 */
import { ElectronTransport } from './electron-transport.js';
import { VaultTransportError } from './transport-error.js';
import { takeLaunchToken, vaultSocketUrl } from './web-shell-location.js';
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
