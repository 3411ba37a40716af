/**
 * Challenge and token: proof of possession of the identity key, answered with
 * a short-lived bearer token. No passwords, no phone numbers.
 *
 *   POST /v1/auth/challenge { accountId, deviceId } -> { challenge, expiresAt }
 *   POST /v1/auth/token { accountId, deviceId, installationId, challenge, signature } -> TokenResponse
 *
 * The signature covers authSignedMessage('token', relayUrl, ...), so a
 * signature made for registration cannot log in and vice versa, and one made
 * for another relay (relayUrl) is worthless here. A token goes only to the
 * install that holds the device (its `installationId`; DEVICE_TAKEN_OVER for
 * any other) and names the device's current generation. Both routes are
 * rate-limited per client IP because they are reachable without a token.
 */
import {
  type ChallengeResponse,
  challengeRequestSchema,
  routes,
  type TokenResponse,
  tokenRequestSchema,
} from '@parley/crypto-core/wire';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RelayContext } from '../context.js';
import { type ChallengeProof, verifyChallengeSignature } from '../crypto/index.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import { clientAddress } from '../limits/client-address.js';
import { enforce } from '../limits/rate-limits.js';
import { parseRequest } from './validation.js';

/** Per-IP limit shared by every unauthenticated auth request. */
export async function enforceAuthRate(request: FastifyRequest, ctx: RelayContext): Promise<void> {
  const address = clientAddress(request.socket.remoteAddress, request.headers, ctx.config.trustProxy);
  await enforce(ctx.limits.auth, address, 'authentication requests from this address');
}

/**
 * Throws INVALID_SIGNATURE unless the identity key signed the challenge for
 * one of this relay's URLs. The message names them, and so does `relayUrls`
 * for clients: one that signed for another spelling of the relay (its listen
 * address while --public-url names another, or an operator who forgot
 * --public-url behind a proxy) can say at once which address to use, and
 * they are no secret.
 */
export function assertChallengeSigned(ctx: RelayContext, identityKey: string, proof: ChallengeProof): void {
  const urls = ctx.relayUrls.accepted;
  if (!verifyChallengeSignature(identityKey, proof, urls)) {
    throw new RelayServerError(
      RelayErrorCode.InvalidSignature,
      `the signature over the challenge does not verify for this relay: sign it with the identity key for ${urls.join(' or ')}`,
      undefined,
      { relayUrls: urls },
    );
  }
}

export function registerAuthRoutes(app: FastifyInstance, ctx: RelayContext): void {
  app.post(routes.challenge, async (request): Promise<ChallengeResponse> => {
    await enforceAuthRate(request, ctx);
    const { accountId, deviceId } = parseRequest(challengeRequestSchema, request.body, 'challenge request');
    return ctx.challenges.issue(accountId, deviceId);
  });

  app.post(routes.token, async (request): Promise<TokenResponse> => {
    await enforceAuthRate(request, ctx);
    const body = parseRequest(tokenRequestSchema, request.body, 'token request');
    await ctx.challenges.consume(body.challenge, body.accountId, body.deviceId);
    const account = await ctx.store.getAccount(body.accountId);
    const device = account?.devices.find((candidate) => candidate.deviceId === body.deviceId);
    if (account === null || device === undefined) {
      throw new RelayServerError(RelayErrorCode.UnknownAccount, 'no such account or device on this relay');
    }
    assertChallengeSigned(ctx, account.identityKey, {
      purpose: 'token',
      accountId: body.accountId,
      deviceId: body.deviceId,
      challenge: body.challenge,
      signature: body.signature,
    });
    // The identity key alone is not enough: the install whose device was
    // taken over still holds it. A device from before installation ids
    // (null) is held by whichever install asks, until its next registration.
    if (device.installationId !== null && device.installationId !== body.installationId) {
      throw new RelayServerError(
        RelayErrorCode.DeviceTakenOver,
        'another install registered this device (a backup restored elsewhere): this one can no longer log in',
      );
    }
    return ctx.tokens.issue({
      accountId: body.accountId,
      deviceId: body.deviceId,
      generation: device.generation,
      installationId: body.installationId,
    });
  });
}
