/**
 * Every HTTP failure leaves as `{ error: { code, message, ... } }` with a code
 * from the wire catalogue, including Fastify's own failures (unparseable JSON,
 * body too large, unsupported media type, unknown route), so clients never
 * have to parse an error body of another shape.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { RelayErrorCode, RelayServerError, toRelayServerError } from '../errors.js';
import type { RelayMetrics } from '../metrics.js';

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && typeof (error as { statusCode?: unknown }).statusCode === 'number';
}

/** Maps anything a route or Fastify threw to a RelayServerError. */
export function toHttpError(error: unknown): RelayServerError {
  if (RelayServerError.is(error)) return error;
  if (isFastifyError(error)) {
    const status = error.statusCode ?? 500;
    if (status === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return new RelayServerError(RelayErrorCode.PayloadTooLarge, 'the request body is too large', error);
    }
    if (status === 415 || error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return new RelayServerError(RelayErrorCode.BadRequest, 'the body must be application/json', error, {
        httpStatus: 415,
      });
    }
    if (status === 404) return new RelayServerError(RelayErrorCode.NotFound, 'no such route', error);
    if (status === 503) return new RelayServerError(RelayErrorCode.Unavailable, 'the relay is shutting down', error);
    if (status >= 400 && status < 500) {
      // Bad JSON, empty JSON body, bad URL encoding...: Fastify's messages name the problem, not the data.
      return new RelayServerError(RelayErrorCode.BadRequest, `malformed request: ${error.message}`, error, {
        httpStatus: status,
      });
    }
  }
  return toRelayServerError(error);
}

export function sendError(reply: FastifyReply, error: RelayServerError): FastifyReply {
  const retryAfter = error.details.retryAfter;
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  if (error.httpStatus === 401) void reply.header('www-authenticate', 'Bearer');
  return reply.status(error.httpStatus).type('application/json; charset=utf-8').send({ error: error.toWire() });
}

export function installErrorHandling(app: FastifyInstance, metrics: Pick<RelayMetrics, 'countRefusal'>): void {
  app.setErrorHandler((error, request, reply) => {
    const relayError = toHttpError(error);
    metrics.countRefusal(relayError.code);
    if (relayError.httpStatus >= 500) {
      request.log.error({ err: error, code: relayError.code }, 'request failed');
    } else {
      request.log.debug({ code: relayError.code, reason: relayError.message }, 'request refused');
    }
    return sendError(reply, relayError);
  });
  app.setNotFoundHandler((request, reply) => {
    return sendError(
      reply,
      new RelayServerError(RelayErrorCode.NotFound, `no route for ${request.method} ${request.url.split('?')[0]}`),
    );
  });
}
