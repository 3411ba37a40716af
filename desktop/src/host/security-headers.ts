/**
 * The headers every renderer response carries, from either host (the web
 * shell over HTTP, Electron main over app://). The CSP is the renderer's main
 * line of defence: only scripts and styles from the app itself (no inline
 * script, no eval), and network access only to the app's own origin, the
 * host's extra sources and the relays it allows.
 */

export interface CspSources {
  /** Sources added to connect-src besides 'self' and the relays (the web shell's ws: origins). */
  readonly extraConnectSources: readonly string[];
  /** Canonical relay URLs (http or https); each allows its origin and the matching ws(s): origin for socket.io. */
  readonly relayUrls: readonly string[];
}

/** The origins a relay URL needs in connect-src: HTTP for the API, ws(s) for socket.io's WebSocket. */
export function relayConnectSources(relayUrl: string): readonly string[] {
  const url = new URL(relayUrl);
  const socketScheme = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return [url.origin, `${socketScheme}//${url.host}`];
}

export function contentSecurityPolicy(sources: CspSources): string {
  const connect = new Set([
    "'self'",
    ...sources.extraConnectSources,
    ...sources.relayUrls.flatMap(relayConnectSources),
  ]);
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    // data: and blob: for QR codes and pasted QR images, which never leave the page.
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${[...connect].join(' ')}`,
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(csp: string): Readonly<Record<string, string>> {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), payment=()',
    // The renderer is rebuilt during development; nothing here is worth caching.
    'Cache-Control': 'no-store',
  };
}
