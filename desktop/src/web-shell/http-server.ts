/**
 * The shell's HTTP side: every request passes the Host check, then only
 * GET and HEAD are served: the page's config at /config.json and the built
 * renderer's static files, with the security headers (CSP) on everything.
 * WebSocket upgrades are the vault socket's (vault-socket.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VAULT_SOCKET_PATH, WEB_SHELL_CONFIG_PATH, type WebShellConfig } from '../common/web-shell-protocol.js';
import { sendJson, sendRefusal } from './http-responses.js';
import { checkHost } from './request-guards.js';
import { isStaticRefusal, type StaticFiles, sendStaticFile } from './static-files.js';

export interface ShellRequestHandlerOptions {
  readonly port: number;
  readonly staticFiles: StaticFiles;
  readonly config: WebShellConfig;
  readonly headers: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
}

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

export function createShellRequestHandler(options: ShellRequestHandlerOptions): RequestHandler {
  const { port, staticFiles, config, headers, log } = options;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const hostRefusal = checkHost(request.headers.host, port);
    if (hostRefusal) {
      log(`http: refused ${request.method ?? '?'} (${hostRefusal.message})`);
      sendRefusal(response, hostRefusal);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendRefusal(
        response,
        { status: 405, code: 'METHOD_NOT_ALLOWED', message: 'only GET and HEAD are served' },
        { Allow: 'GET, HEAD' },
      );
      return;
    }
    const target = request.url ?? '/';
    const path = target.split('?', 1)[0];
    if (path === WEB_SHELL_CONFIG_PATH) {
      sendJson(response, config, headers);
      return;
    }
    if (path === VAULT_SOCKET_PATH) {
      sendRefusal(
        response,
        { status: 426, code: 'BAD_REQUEST', message: 'the vault socket takes a WebSocket upgrade' },
        {
          Upgrade: 'websocket',
        },
      );
      return;
    }
    const lookup = await staticFiles.lookup(target);
    if (isStaticRefusal(lookup)) {
      if (lookup.status !== 404) log(`http: refused ${target.slice(0, 200)} (${lookup.message})`);
      sendRefusal(response, lookup, headers);
      return;
    }
    sendStaticFile(response, lookup, headers, request.method === 'HEAD');
  }

  return (request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`http: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) {
        sendRefusal(response, { status: 500, code: 'INTERNAL', message: 'the web shell failed to answer' });
      } else {
        response.destroy();
      }
    });
  };
}
