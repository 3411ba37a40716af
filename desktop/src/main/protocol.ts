/**
 * The app:// protocol: serves the built renderer (desktop/dist/renderer) and
 * the page's config, with the security headers (CSP) on every answer.
 * Which file a path names, and every traversal refusal, is the same code the
 * web shell uses (host/renderer-files.ts). The handler is plain
 * Request -> Response, so tests run it without Electron.
 */
import { readFile } from 'node:fs/promises';
import type { Protocol } from 'electron';
import { WEB_SHELL_CONFIG_PATH, type WebShellConfig } from '../common/web-shell-protocol.js';
import { contentTypeFor, isStaticRefusal, type StaticFiles } from '../host/renderer-files.js';
import { APP_HOST, APP_SCHEME } from './app-origin.js';

/** Must run before app 'ready': a standard, secure scheme gets an origin, storage (IndexedDB) and fetch. */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
    },
  ]);
}

export interface AppProtocolOptions {
  readonly files: StaticFiles;
  readonly headers: () => Readonly<Record<string, string>>;
  /** What /config.json answers: the same shape the web shell serves, so the page reads its default relay one way. */
  readonly config: () => WebShellConfig;
  /** Called when an HTML document is served: the page that loads it runs under the CSP of this moment. */
  readonly onDocumentServed?: () => void;
}

function refusal(status: number, code: string, message: string, headers: Readonly<Record<string, string>>): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' },
  });
}

export function createAppProtocolHandler(options: AppProtocolOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    const headers = options.headers();
    const url = new URL(request.url);
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) {
      return refusal(404, 'NOT_FOUND', 'no such host', headers);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return refusal(405, 'METHOD_NOT_ALLOWED', 'only GET and HEAD are served', headers);
    }
    if (url.pathname === WEB_SHELL_CONFIG_PATH) {
      return new Response(JSON.stringify(options.config()), {
        headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' },
      });
    }
    // The URL parser already resolved plain dot segments; the lookup refuses the encoded ones and the rest.
    const lookup = await options.files.lookup(url.pathname);
    if (isStaticRefusal(lookup)) return refusal(lookup.status, lookup.code, lookup.message, headers);
    let body: Buffer;
    try {
      body = await readFile(lookup.path);
    } catch {
      return refusal(404, 'NOT_FOUND', 'no such file', headers);
    }
    if (request.method === 'GET' && contentTypeFor(lookup.path).startsWith('text/html')) options.onDocumentServed?.();
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
      headers: { ...headers, 'Content-Type': contentTypeFor(lookup.path), 'Content-Length': String(body.length) },
    });
  };
}

/** After 'ready': serve app:// from the handler (on the default session, which the window uses). */
export function serveAppProtocol(
  protocol: Pick<Protocol, 'handle'>,
  handler: (request: Request) => Promise<Response>,
): void {
  protocol.handle(APP_SCHEME, handler);
}
