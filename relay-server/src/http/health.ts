/**
 * Operations endpoints.
 *
 *   GET /healthz -> HealthResponse ("degraded" with 503 while shutting down or when the store or Redis fails;
 *                   `dependencies` names the store, sqlite, postgres or memory, and redis with --redis, and their state)
 *   GET /metrics -> Prometheus text format
 *
 * Neither needs a token: they reveal nothing about accounts. Expose /metrics
 * only to your monitoring network (the README shows a proxy rule).
 */
import { type HealthResponse, routes, WIRE_VERSION } from '@parley/crypto-core/wire';
import type { FastifyInstance } from 'fastify';
import type { RelayContext } from '../context.js';

export function registerHealthRoutes(app: FastifyInstance, ctx: RelayContext): void {
  app.get(routes.health, async (request, reply): Promise<HealthResponse> => {
    // The store is checked even while stopping, so an operator sees which dependency is down.
    let store: 'ok' | 'failed' = 'ok';
    try {
      await ctx.store.countEnvelopes();
    } catch (error) {
      request.log.error({ err: error }, 'health check: the store failed');
      store = 'failed';
    }
    const redis = ctx.cluster === null ? undefined : await ctx.cluster.health();
    const healthy = !ctx.lifecycle.shuttingDown && store === 'ok' && redis !== 'failed';
    if (!healthy) void reply.status(503);
    return {
      status: healthy ? 'ok' : 'degraded',
      version: ctx.version,
      wireVersion: WIRE_VERSION,
      dependencies: {
        [ctx.config.store]: { status: store },
        ...(redis === undefined ? {} : { redis: { status: redis } }),
      },
    };
  });

  app.get(routes.metrics, async (_request, reply) => {
    const { contentType, body } = await ctx.metrics.render();
    return reply.type(contentType).send(body);
  });
}
