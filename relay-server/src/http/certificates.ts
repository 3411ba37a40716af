/**
 * Sealed sender.
 *
 *   GET /v1/certificate  (Bearer) -> SenderCertificateResponse
 *   GET /v1/trust-root   (public) -> TrustRootResponse
 *
 * A sender certificate binds the caller's (account id, device id, identity
 * key) under the relay's server certificate; clients put it inside sealed
 * envelopes so recipients learn the sender and the relay does not. The
 * answer carries the relay's clock (`serverTime`), by which clients judge the
 * certificate's freshness.
 */
import { routes, type SenderCertificateResponse, type TrustRootResponse } from '@parley/crypto-core/wire';
import type { FastifyInstance } from 'fastify';
import type { RelayContext } from '../context.js';
import { authenticateRegistered } from './authenticate.js';

export function registerCertificateRoutes(app: FastifyInstance, ctx: RelayContext): void {
  app.get(routes.senderCertificate, async (request): Promise<SenderCertificateResponse> => {
    const { device, account } = await authenticateRegistered(request, ctx);
    const serverTime = Date.now();
    const expiresAt = serverTime + ctx.config.senderCertificateTtlMs;
    const certificate = ctx.sealedSender.issueSenderCertificate(
      device.accountId,
      device.deviceId,
      account.identityKey,
      expiresAt,
    );
    return { certificate, expiresAt, serverTime };
  });

  app.get(routes.trustRoot, async (): Promise<TrustRootResponse> => {
    return { publicKey: ctx.sealedSender.trustRootPublicKey };
  });
}
