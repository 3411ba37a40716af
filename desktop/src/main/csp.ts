/**
 * The request filter that limits where the session may connect: a second
 * layer under the page's CSP (page-csp.ts). The CSP's connect-src names the
 * allowed relays too, but a CSP is enforced by the renderer on itself; this
 * filter runs in the main process, where a compromised renderer cannot switch
 * it off, and covers every request of the session (fetch, XHR, WebSocket,
 * images, navigations...). It changes the moment allowRelay adds a relay.
 */
import { relayConnectSources } from '../host/security-headers.js';
import { isAppUrl } from './app-origin.js';

/** The origins (http(s) and the ws(s) twin) the page may reach for these relays. */
export function relayOrigins(relayUrls: readonly string[]): ReadonlySet<string> {
  return new Set(relayUrls.flatMap(relayConnectSources));
}

/**
 * Whether the session may make this request: the app's own files, data:
 * and blob: URLs the page made itself, and the allowed relays' origins.
 * Everything else is cancelled.
 */
export function isRequestAllowed(url: string, allowedOrigins: ReadonlySet<string>): boolean {
  if (isAppUrl(url)) return true;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  switch (parsed.protocol) {
    case 'data:':
    case 'blob:':
      return true;
    case 'http:':
    case 'https:':
      return allowedOrigins.has(parsed.origin);
    case 'ws:':
    case 'wss:':
      // URL.origin is "null" for ws(s) in some engines; rebuild it from the parts.
      return allowedOrigins.has(`${parsed.protocol}//${parsed.host}`);
    default:
      return false;
  }
}
