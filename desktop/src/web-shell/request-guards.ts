/**
 * Who may talk to the shell. Listening on 127.0.0.1 keeps other machines
 * out; these checks keep out what can still reach a loopback port:
 *
 * - Host: a web page on another site can rebind its own DNS name to
 *   127.0.0.1 and then read same-origin responses. Its requests still carry
 *   its own name in Host, so only `127.0.0.1:<port>` and `localhost:<port>`
 *   are served (on every HTTP request and on the WebSocket upgrade).
 * - Origin: WebSockets are not bound by the same-origin policy, so any page
 *   the user visits could open ws://127.0.0.1:<port>/vault. Browsers always
 *   send Origin on the upgrade; only the shell's own origins are accepted.
 * - The token (vault-socket.ts): local programs set any header they like;
 *   only the page opened from the URL the shell printed knows it.
 */
import type { WebShellErrorCode } from '../common/web-shell-protocol.js';

export interface Refusal {
  readonly status: number;
  readonly code: WebShellErrorCode;
  readonly message: string;
}

/** The Host header values the shell answers to. */
export function allowedHosts(port: number): ReadonlySet<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

/** The origins of the page the shell serves. */
export function allowedOrigins(port: number): ReadonlySet<string> {
  return new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
}

export function checkHost(host: string | undefined, port: number): Refusal | null {
  // Host names are case-insensitive; everything else must match exactly
  // (no trailing dot, no other loopback spelling, no missing port).
  if (host !== undefined && allowedHosts(port).has(host.toLowerCase())) return null;
  return {
    status: 403,
    code: 'FORBIDDEN',
    message: `Host must be 127.0.0.1:${port} or localhost:${port}`,
  };
}

export function checkOrigin(origin: string | undefined, port: number): Refusal | null {
  if (origin !== undefined && allowedOrigins(port).has(origin.toLowerCase())) return null;
  return {
    status: 403,
    code: 'FORBIDDEN',
    message: origin === undefined ? 'the vault socket needs an Origin header' : 'foreign Origin',
  };
}
