/**
 * Challenge and token: proof of possession of the identity key, answered with
 * a short-lived bearer token. No passwords, no phone numbers.
 *
 *   POST /v1/auth/challenge { accountId, deviceId } -> { challenge, expiresAt }
 *   POST /v1/auth/token { accountId, deviceId, challenge, signature } -> TokenResponse
 *
 * The signature covers authSignedMessage('token', ...), so a signature made
 * for registration cannot log in and vice versa. Both are rate-limited per
 * client IP because they are reachable without a token.
 */
import {
  authSignedMessage,
  type ChallengeResponse,
  challengeRequestSchema,
  routes,
  type TokenResponse,
  tokenRequestSchema,
} from '@parley/crypto-core/wire';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RelayContext } from '../context.js';
import { decodeBase64, verifyIdentitySignature } from '../crypto/index.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import { enforce } from '../limits/rate-limits.js';
import { parseRequest } from './validation.js';

/** Per-IP limit shared by every unauthenticated auth request. */
export function enforceAuthRate(request: FastifyRequest, ctx: RelayContext): void {
  enforce(ctx.limits.auth, request.ip, 'authentication requests from this address');
}

export function registerAuthRoutes(app: FastifyInstance, ctx: RelayContext): void {
  app.post(routes.challenge, async (request): Promise<ChallengeResponse> => {
    enforceAuthRate(request, ctx);
    const { accountId, deviceId } = parseRequest(challengeRequestSchema, request.body, 'challenge request');
    return ctx.challenges.issue(accountId, deviceId);
  });

  app.post(routes.token, async (request): Promise<TokenResponse> => {
    enforceAuthRate(request, ctx);
    const body = parseRequest(tokenRequestSchema, request.body, 'token request');
    await ctx.challenges.consume(body.challenge, body.accountId, body.deviceId);
    const account = await ctx.store.getAccount(body.accountId);
    if (account === null || !account.devices.some((device) => device.deviceId === body.deviceId)) {
      throw new RelayServerError(RelayErrorCode.UnknownAccount, 'no such account or device on this relay');
    }
    const signed = authSignedMessage('token', body.accountId, body.deviceId, decodeBase64(body.challenge));
    if (!verifyIdentitySignature(account.identityKey, signed, body.signature)) {
      throw new RelayServerError(RelayErrorCode.InvalidSignature, 'the signature over the challenge does not verify');
    }
    return ctx.tokens.issue(body.accountId, body.deviceId);
  });
}
