/**
 * The Fastify application: limits, logging and error handling shared by every
 * route, then one registration call per feature.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { RelayContext } from '../context.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import { registerAccessKeyRoutes } from './access-keys.js';
import { registerAccountRoutes } from './accounts.js';
import { registerAttachmentRoutes } from './attachments.js';
import { registerAuthRoutes } from './auth.js';
import { registerCertificateRoutes } from './certificates.js';
import { installConnectionCap } from './connection-cap.js';
import { installCors } from './cors.js';
import { installErrorHandling, sendError } from './error-handling.js';
import { registerHealthRoutes } from './health.js';
import { registerKeyRoutes } from './keys.js';
import { registerMessageRoutes } from './messages.js';
import { registerMultiRecipientRoute } from './multi-recipient-messages.js';
import { registerWireReferenceRoute } from './wire-reference.js';

/**
 * Largest HTTP body: a registration with the most prekeys the wire allows
 * (200 EC + 200 Kyber, ~2.2 KB each as base64 JSON) is ~470 KB.
 */
export const MAX_HTTP_BODY_BYTES = 1024 * 1024;

/** How often Node looks for requests past --headers-timeout or --request-timeout (its default is 30 s). */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

export function createHttpApp(ctx: RelayContext): FastifyInstance {
  // Typed as Fastify's base logger so the app is a plain FastifyInstance for the route modules.
  const loggerInstance: FastifyBaseLogger = ctx.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: MAX_HTTP_BODY_BYTES,
    trustProxy: ctx.config.trustProxy,
    // Without these a client that trickles its headers or body (slowloris)
    // holds its connection, and a graceful stop, for ever: Fastify's default
    // request timeout is none. Node answers 408 and closes such a connection.
    requestTimeout: ctx.config.requestTimeoutMs,
    keepAliveTimeout: ctx.config.keepAliveTimeoutMs,
    http: {
      headersTimeout: ctx.config.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, ctx.config.headersTimeoutMs),
    },
    return503OnClosing: true,
    // Idle keep-alive connections would otherwise hold shutdown open.
    forceCloseConnections: 'idle',
    // Fastify's request lines log the raw URL, which for a bundle fetch names
    // the account asked about. We log the route pattern instead (onResponse).
    logController: new LogController({ disableRequestLogging: true }),
    // "/v1/keys/" is "/v1/keys": a trailing slash is not worth a 404.
    routerOptions: { ignoreTrailingSlash: true },
  });

  installConnectionCap(app, ctx);
  installErrorHandling(app, ctx.metrics);
  installCors(app);
  app.addHook('onRequest', async (_request, reply) => {
    if (ctx.lifecycle.shuttingDown) {
      return sendError(
        reply,
        new RelayServerError(RelayErrorCode.Unavailable, 'the relay is shutting down', undefined, { retryAfter: 5 }),
      );
    }
    return undefined;
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? '(no route)',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  registerRelayRoutes(app, ctx);
  return app;
}

/**
 * Every HTTP route of the relay and nothing else: the wire reference's test
 * registers them on a bare Fastify to check they are exactly the routes of
 * crypto-core's `httpEndpoints`.
 */
export function registerRelayRoutes(app: FastifyInstance, ctx: RelayContext): void {
  registerHealthRoutes(app, ctx);
  registerAuthRoutes(app, ctx);
  registerAccountRoutes(app, ctx);
  registerAccessKeyRoutes(app, ctx);
  registerMessageRoutes(app, ctx);
  registerMultiRecipientRoute(app, ctx);
  registerKeyRoutes(app, ctx);
  registerCertificateRoutes(app, ctx);
  registerAttachmentRoutes(app, ctx);
  registerWireReferenceRoute(app);
}
