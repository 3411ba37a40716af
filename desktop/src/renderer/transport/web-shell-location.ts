/**
 * Where the page finds its web shell: the vault socket on the origin it was
 * served from, and the launch token from the `#token=` fragment of the URL
 * the shell printed.
 *
 * The token is moved out of the address bar into sessionStorage as soon as
 * it is read, so it is not shown, bookmarked or copied along with the URL,
 * yet a reload of the same tab still finds it (sessionStorage is per tab and
 * gone with it; the CSP keeps foreign script out of the origin).
 */
import { TOKEN_FRAGMENT_PARAM, VAULT_SOCKET_PATH } from '../../common/web-shell-protocol.js';

const TOKEN_STORAGE_KEY = 'parley.webShellToken';

export function vaultSocketUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${VAULT_SOCKET_PATH}`;
}

function readStorage(storage: Storage | null): string | null {
  try {
    return storage?.getItem(TOKEN_STORAGE_KEY) ?? null;
  } catch {
    return null; // storage disabled by the user: the fragment is then the only source
  }
}

function writeStorage(storage: Storage | null, token: string): boolean {
  try {
    storage?.setItem(TOKEN_STORAGE_KEY, token);
    return storage !== null;
  } catch {
    return false;
  }
}

/**
 * The launch token from the URL fragment (then removed from the address bar)
 * or, after a reload, from this tab's sessionStorage. Null when neither has it.
 */
export function takeLaunchToken(
  location: Pick<Location, 'hash' | 'pathname' | 'search'>,
  history: Pick<History, 'replaceState' | 'state'> | null,
  storage: Storage | null,
): string | null {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const fromFragment = fragment.get(TOKEN_FRAGMENT_PARAM);
  if (!fromFragment) return readStorage(storage);
  // Keep the token in the address bar only when there is nowhere else to keep it across a reload.
  if (writeStorage(storage, fromFragment) && history) {
    fragment.delete(TOKEN_FRAGMENT_PARAM);
    const rest = fragment.toString();
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  }
  return fromFragment;
}

/**
 * Calls `onToken` with each launch token that arrives in the fragment later:
 * the shell was restarted and its new URL pasted into this tab, which changes
 * only the fragment (no reload, so the page must pick it up itself). The
 * token is moved into sessionStorage as at load. Returns the unsubscribe.
 */
export function watchLaunchToken(
  scope: Pick<Window, 'addEventListener' | 'removeEventListener' | 'location' | 'history'>,
  storage: Storage | null,
  onToken: (token: string) => void,
): () => void {
  const onHashChange = () => {
    if (!new URLSearchParams(scope.location.hash.replace(/^#/, '')).has(TOKEN_FRAGMENT_PARAM)) return;
    const token = takeLaunchToken(scope.location, scope.history, storage);
    if (token) onToken(token);
  };
  scope.addEventListener('hashchange', onHashChange);
  return () => scope.removeEventListener('hashchange', onHashChange);
}
