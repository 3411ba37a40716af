/**
 * The web shell's wire protocol: how a page in a browser reaches the vault
 * that the web shell process hosts. Shared by the shell (Node) and the
 * renderer's WebSocket transport (browser), so both sides name the same
 * frames, paths and close codes. Types and constants only: browser-safe.
 *
 * One WebSocket at VAULT_SOCKET_PATH carries JSON text frames:
 *
 *   page -> shell   { token }                  first frame, exactly once
 *   shell -> page   { ready: { protocol } }    the token was accepted
 *   page -> shell   { id, method, args }       one vault call
 *   shell -> page   { id, result }             its Result, from dispatchVaultCall
 *   shell -> page   { event, payload }         a vault event
 *   shell -> page   { error: { code, message } }  a refusal, sent just before closing
 *
 * The token travels in the first frame, not in the URL, so it never shows up
 * in a request line or log; the page reads it from the `#token=` fragment of
 * the URL the shell printed (fragments are never sent over HTTP).
 *
 * The frames' zod schemas and the readers both sides use are in
 * web-shell-frames.ts.
 */
export const WEB_SHELL_PROTOCOL_VERSION = 1;
/** Where the vault's WebSocket is upgraded. */
export const VAULT_SOCKET_PATH = '/vault';
/** Where the page fetches its WebShellConfig. */
export const WEB_SHELL_CONFIG_PATH = '/config.json';
/** The URL fragment parameter that carries the launch token to the page. */
export const TOKEN_FRAGMENT_PARAM = 'token';

/** What the page learns from the shell before it connects (served at WEB_SHELL_CONFIG_PATH). */
export interface WebShellConfig {
  readonly protocol: number;
  /** The relay the page should offer by default, or null when the shell was started without one. */
  readonly defaultRelayUrl: string | null;
  /** Every relay the page may reach (the CSP's connect-src allows exactly these). */
  readonly relayUrls: readonly string[];
}

/**
 * Codes of the shell's own refusals, in HTTP error bodies and error frames.
 * (What a vault call answers uses the vault API's codes, inside `result`.)
 */
export const WebShellErrorCode = {
  /** Wrong or missing token, foreign Origin, or a Host other than the shell's loopback address. */
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  /** The request cannot be understood (a path that is not a plain absolute path, a bad upgrade). */
  BadRequest: 'BAD_REQUEST',
  /** A frame is not a JSON object the protocol knows, or is binary. */
  MalformedFrame: 'MALFORMED_FRAME',
  /** No token frame arrived in time. */
  AuthTimeout: 'AUTH_TIMEOUT',
  /** A newer connection with the right token took over the vault. */
  Superseded: 'SUPERSEDED',
  /** The shell is stopping. */
  ShuttingDown: 'SHUTTING_DOWN',
  /** The shell failed (a bug or an unreadable file); details are in its log. */
  Internal: 'INTERNAL',
} as const;
export type WebShellErrorCode = (typeof WebShellErrorCode)[keyof typeof WebShellErrorCode];

/**
 * Close codes of the vault socket (4000-4999 are the application's own).
 * The transport reconnects after any other close; after these three it stops
 * and tells the user, because retrying cannot help.
 */
export const VaultSocketCloseCode = {
  /** The shell is stopping (RFC 6455 "going away"). */
  ShuttingDown: 1001,
  /** A frame exceeded the shell's limit (RFC 6455 "message too big"; sent by the ws library). */
  FrameTooLarge: 1009,
  MalformedFrame: 4400,
  /** Wrong or missing token: the page must be reopened from the URL the shell printed. */
  Forbidden: 4401,
  AuthTimeout: 4408,
  /** Another page took over (the vault serves one page at a time). */
  Superseded: 4409,
} as const;
