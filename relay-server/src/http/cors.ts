/**
 * Cross-origin access for browser clients. The desktop renderer runs on its
 * own origin (the web shell's http://127.0.0.1:PORT, or the Electron app's
 * custom protocol) and calls the relay's HTTP API from there, so the relay
 * must answer CORS preflights and mark its responses readable.
 *
 * Any origin is allowed, and that is safe here: the API authenticates with a
 * bearer token the page holds, never with cookies or other ambient
 * credentials, so a foreign page gains nothing it could not do with fetch
 * from a server. The same holds for an access key (Parley-Access-Key, and
 * the body of POST /v1/messages): the page must hold it. `Access-Control-Allow-Credentials` is never sent.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const ALLOWED_HEADERS =
  'authorization, content-type, parley-access-key, range, tus-resumable, upload-length, upload-offset, upload-metadata, upload-defer-length';
/** Response headers a page may read: tus answers in headers, downloads in Content-Range. */
const EXPOSED_HEADERS =
  'retry-after, location, tus-resumable, tus-version, tus-extension, tus-max-size, upload-offset, upload-length, upload-expires, content-range, accept-ranges';
/** How long a browser may cache a preflight answer (seconds). */
const PREFLIGHT_MAX_AGE = 600;

function allowOrigin(reply: FastifyReply): void {
  reply.header('access-control-allow-origin', '*');
  reply.header('access-control-expose-headers', EXPOSED_HEADERS);
}

export function installCors(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.origin === undefined) return undefined;
    allowOrigin(reply);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      reply
        .header('access-control-allow-methods', ALLOWED_METHODS)
        .header('access-control-allow-headers', ALLOWED_HEADERS)
        .header('access-control-max-age', String(PREFLIGHT_MAX_AGE))
        .code(204);
      return reply.send();
    }
    return undefined;
  });
}
