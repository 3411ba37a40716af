/**
 * The per-address connection cap (--max-connections-per-ip) for HTTP.
 *
 * Without --trust-proxy it counts TCP connections by peer address, websockets
 * included (a websocket is an upgraded HTTP connection): one over the cap is
 * closed at once, before a byte of it is read, so even a client that never
 * finishes its headers cannot hold more.
 *
 * With --trust-proxy every connection comes from the proxy, so counting them
 * would cap the proxy; instead each HTTP request holds a slot of its
 * forwarded address until its response is done (and each websocket one
 * while it is open: socket/server.ts). A request over the cap is answered
 * 429 TOO_MANY_CONNECTIONS.
 */
import type { FastifyInstance } from 'fastify';
import type { RelayContext } from '../context.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import { clientAddress } from '../limits/client-address.js';
import { sendError } from './error-handling.js';

export function installConnectionCap(app: FastifyInstance, ctx: RelayContext): void {
  const limiter = ctx.connectionLimiter;
  if (!ctx.config.trustProxy) {
    app.server.on('connection', (socket) => {
      const address = socket.remoteAddress ?? 'unknown';
      if (!limiter.tryAcquire(address)) {
        ctx.metrics.countRefusal(RelayErrorCode.TooManyConnections);
        socket.destroy();
        return;
      }
      socket.once('close', () => limiter.release(address));
    });
    return;
  }
  app.addHook('onRequest', async (request, reply) => {
    const address = clientAddress(request.socket.remoteAddress, request.headers, true);
    if (!limiter.tryAcquire(address)) {
      ctx.metrics.countRefusal(RelayErrorCode.TooManyConnections);
      return sendError(
        reply,
        new RelayServerError(
          RelayErrorCode.TooManyConnections,
          'too many open connections from this address: close some, then retry',
          undefined,
          { retryAfter: 1 },
        ),
      );
    }
    reply.raw.once('close', () => limiter.release(address));
    return undefined;
  });
}
