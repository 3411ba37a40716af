/**
 * The headers every page response carries. The CSP is the renderer's main
 * line of defence: only scripts and styles from the shell itself (no inline
 * script, no eval), and network access only to the shell (including its
 * vault socket) and the relays it was started with.
 */

export interface CspSources {
  /** The shell's own port: its ws: origins are allowed explicitly (older engines do not count ws: as 'self'). */
  readonly port: number;
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
    `ws://127.0.0.1:${sources.port}`,
    `ws://localhost:${sources.port}`,
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
    // The renderer is rebuilt while a shell runs during development; nothing here is worth caching.
    'Cache-Control': 'no-store',
  };
}
