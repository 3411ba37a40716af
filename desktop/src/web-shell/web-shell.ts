/**
 * The web shell: one HTTP server on 127.0.0.1 that serves the built renderer
 * and hosts one vault behind the vault socket. startWebShell is what the CLI
 * (main.ts) and the tests run; it owns the server and the socket endpoint,
 * not the vault, which its caller constructs and closes.
 */

import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { normalizeRelayUrl } from '@parley/crypto-core/wire';
import { codeSet, ParleyDesktopError } from '../common/desktop-error.js';
import { TOKEN_FRAGMENT_PARAM, WEB_SHELL_PROTOCOL_VERSION } from '../common/web-shell-protocol.js';
import type { HostedVault } from './hosted-vault.js';
import { sendRefusal } from './http-responses.js';
import { createShellRequestHandler, type RequestHandler } from './http-server.js';
import { createLaunchToken } from './launch-token.js';
import { contentSecurityPolicy, securityHeaders } from './security-headers.js';
import { StaticFiles } from './static-files.js';
import { VaultSocketEndpoint } from './vault-socket.js';

/** The only address the shell listens on: the vault must not be reachable from another machine. */
export const LOOPBACK_HOST = '127.0.0.1';

export interface WebShellLimits {
  /**
   * Largest frame from the page. The biggest legitimate call is a decrypt of
   * MAX_ENVELOPES_PER_BATCH (100) envelopes of MAX_ENVELOPE_CONTENT_BYTES
   * (80 KiB) each: ~10.7 MiB of base64 plus JSON; 16 MiB leaves headroom.
   */
  readonly maxFrameBytes: number;
  readonly authTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** How long close() waits for running vault calls and closing handshakes. */
  readonly drainTimeoutMs: number;
}

export const DEFAULT_LIMITS: WebShellLimits = {
  maxFrameBytes: 16 * 1024 * 1024,
  authTimeoutMs: 10_000,
  heartbeatIntervalMs: 30_000,
  drainTimeoutMs: 5_000,
};

export interface WebShellOptions {
  readonly vault: HostedVault;
  /** The Vite build output (desktop/dist/renderer), holding index.html. */
  readonly rendererDir: string;
  /** Must be 127.0.0.1 (the default); anything else is refused. */
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Relays the page may reach; the first is its default. */
  readonly relayUrls?: readonly string[];
  readonly limits?: Partial<WebShellLimits>;
  readonly log?: (line: string) => void;
}

export interface RunningWebShell {
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** The per-launch token; only ever shown to the user inside `url`. */
  readonly token: string;
  /** What the user opens: the origin with the token in the fragment. */
  readonly url: string;
  /** Whether a page currently holds the vault. */
  readonly hasActivePage: boolean;
  /** Closes the page's socket, waits for running vault calls, stops listening. Idempotent. */
  close(): Promise<void>;
}

export const WebShellStartErrorCode = {
  /** --host names an address other than 127.0.0.1. */
  NotLoopback: 'NOT_LOOPBACK',
  BadPort: 'BAD_PORT',
  BadRelayUrl: 'BAD_RELAY_URL',
  /** The built renderer (dist/renderer) is missing. */
  NoRenderer: 'NO_RENDERER',
  /** The port could not be listened on (in use, not allowed). */
  ListenFailed: 'LISTEN_FAILED',
} as const;
export type WebShellStartErrorCode = (typeof WebShellStartErrorCode)[keyof typeof WebShellStartErrorCode];

export class WebShellStartError extends ParleyDesktopError<WebShellStartErrorCode> {
  static override readonly errorName = 'WebShellStartError';
  static override readonly codes = codeSet(WebShellStartErrorCode);
}

function canonicalRelayUrls(relayUrls: readonly string[]): readonly string[] {
  const canonical = relayUrls.map((relayUrl) => {
    try {
      return normalizeRelayUrl(relayUrl);
    } catch (error) {
      throw new WebShellStartError(
        'BAD_RELAY_URL',
        `relay URL ${JSON.stringify(relayUrl)} must be http(s) with no credentials, query or fragment`,
        error,
      );
    }
  });
  return [...new Set(canonical)];
}

async function rendererRoot(rendererDir: string): Promise<string> {
  const missing = () =>
    new WebShellStartError(
      'NO_RENDERER',
      `no built renderer in ${rendererDir}: run \`npm run build:renderer -w desktop\` first`,
    );
  try {
    const root = await realpath(rendererDir);
    if (!(await stat(join(root, 'index.html'))).isFile()) throw missing();
    return root;
  } catch (error) {
    if (WebShellStartError.is(error)) throw error;
    throw missing();
  }
}

export interface CheckedStartOptions {
  readonly host: typeof LOOPBACK_HOST;
  readonly port: number;
  readonly relayUrls: readonly string[];
  /** The renderer folder's real path. */
  readonly rendererRoot: string;
}

/**
 * Everything startWebShell checks before it binds, exposed so the CLI can
 * refuse a bad command line before it opens (and creates) a profile.
 */
export async function checkStartOptions(
  options: Pick<WebShellOptions, 'host' | 'port' | 'relayUrls' | 'rendererDir'>,
): Promise<CheckedStartOptions> {
  const host = options.host ?? LOOPBACK_HOST;
  if (host !== LOOPBACK_HOST) {
    throw new WebShellStartError(
      'NOT_LOOPBACK',
      `the web shell listens on ${LOOPBACK_HOST} only (asked for ${host}): the vault must not be reachable from other machines`,
    );
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new WebShellStartError('BAD_PORT', `port must be an integer from 0 to 65535, not ${port}`);
  }
  const relayUrls = canonicalRelayUrls(options.relayUrls ?? []);
  return { host: LOOPBACK_HOST, port, relayUrls, rendererRoot: await rendererRoot(options.rendererDir) };
}

export async function startWebShell(options: WebShellOptions): Promise<RunningWebShell> {
  const { host, port: requestedPort, relayUrls, rendererRoot: root } = await checkStartOptions(options);
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = options.log ?? (() => {});
  const token = createLaunchToken();

  // Handlers are attached before listening and filled in once the port is
  // known (the Host, Origin and CSP checks need it); until then nothing can
  // have connected, and the fallback is only a guard.
  let handleRequest: RequestHandler | null = null;
  let endpoint: VaultSocketEndpoint | null = null;
  const server = createServer();
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (handleRequest) handleRequest(request, response);
    else sendRefusal(response, { status: 503, code: 'SHUTTING_DOWN', message: 'the web shell is not ready' });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (endpoint) endpoint.handleUpgrade(request, socket, head);
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) =>
      reject(
        new WebShellStartError('LISTEN_FAILED', `cannot listen on ${host}:${requestedPort}: ${error.message}`, error),
      );
    server.once('error', onError);
    server.listen(requestedPort, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => log(`http: ${error.message}`));

  const port = (server.address() as AddressInfo).port;
  const origin = `http://${LOOPBACK_HOST}:${port}`;
  const headers = securityHeaders(contentSecurityPolicy({ port, relayUrls }));
  const socketEndpoint = new VaultSocketEndpoint({ vault: options.vault, token, port, log, ...limits });
  endpoint = socketEndpoint;
  handleRequest = createShellRequestHandler({
    port,
    staticFiles: new StaticFiles(root),
    config: { protocol: WEB_SHELL_PROTOCOL_VERSION, defaultRelayUrl: relayUrls[0] ?? null, relayUrls },
    headers,
    log,
  });

  let closing: Promise<void> | null = null;
  async function close(): Promise<void> {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    await socketEndpoint.close();
    // Keep-alive HTTP connections would otherwise hold server.close() open.
    server.closeAllConnections();
    await stopped;
  }

  return {
    port,
    origin,
    token,
    url: `${origin}/#${TOKEN_FRAGMENT_PARAM}=${token}`,
    get hasActivePage() {
      return socketEndpoint.hasActivePage;
    },
    close() {
      closing ??= close();
      return closing;
    },
  };
}
