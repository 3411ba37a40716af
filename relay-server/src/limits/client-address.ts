/**
 * The client address the relay's per-address limits count, worked out the
 * same way for HTTP requests and websocket handshakes: the TCP peer, or with
 * --trust-proxy the first address of X-Forwarded-For (what Fastify's
 * `request.ip` gives with `trustProxy: true`). The proxy must set the header,
 * not append to one a client sent (docs/relay.md, Behind TLS).
 */
import type { IncomingHttpHeaders } from 'node:http';

export function clientAddress(
  peerAddress: string | undefined,
  headers: IncomingHttpHeaders,
  trustProxy: boolean,
): string {
  if (trustProxy) {
    const forwarded = headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first !== undefined && first !== '') return first;
  }
  return peerAddress ?? 'unknown';
}
