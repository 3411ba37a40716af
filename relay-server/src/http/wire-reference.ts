/**
 * The wire reference this relay speaks (docs/wire-reference.md), rendered
 * from the same schemas it validates with, so a client developer can read
 * the exact version of the relay in front of them.
 *
 *   GET /v1/wire-reference   (public) -> text/markdown
 *
 * Rendered on the first request and kept: it never changes while the relay runs.
 */
import { routes } from '@parley/crypto-core/wire';
import { renderWireReference } from '@parley/crypto-core/wire-reference';
import type { FastifyInstance } from 'fastify';

export function registerWireReferenceRoute(app: FastifyInstance): void {
  let rendered: string | null = null;
  app.get(routes.wireReference, async (_request, reply) => {
    rendered ??= renderWireReference();
    return reply.type('text/markdown; charset=utf-8').send(rendered);
  });
}
