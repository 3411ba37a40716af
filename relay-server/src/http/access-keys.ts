/**
 * An account's access keys (docs/protocol.md, "Reaching an account: access
 * keys"):
 *
 *   PUT /v1/accounts/me/access-keys   (Bearer) SetAccessKeysRequest -> { updated: true }
 *
 * Registers both keys at once, replacing any registered before: the client
 * replaces its code key when the user resets the contact code and its
 * contact key when the user blocks someone. The store keeps only their
 * SHA-256 (auth/access-keys.ts). From then on every send to the account and
 * every fetch of its bundles by anyone but the account itself must present
 * one of them.
 */
import { routes, type SetAccessKeysResponse, setAccessKeysRequestSchema } from '@parley/crypto-core/wire';
import type { FastifyInstance } from 'fastify';
import { accessKeyHashes } from '../auth/access-keys.js';
import type { RelayContext } from '../context.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import { authenticateRegistered } from './authenticate.js';
import { parseRequest } from './validation.js';

export function registerAccessKeyRoutes(app: FastifyInstance, ctx: RelayContext): void {
  app.put(routes.accessKeys, async (request): Promise<SetAccessKeysResponse> => {
    const { device } = await authenticateRegistered(request, ctx);
    const body = parseRequest(setAccessKeysRequestSchema, request.body, 'access keys');
    const stored = await ctx.store.setAccessKeys(device.accountId, accessKeyHashes(body.codeKey, body.contactKey));
    // Only when the account was deleted since the token was checked.
    if (!stored) throw new RelayServerError(RelayErrorCode.UnknownAccount, 'no such account on this relay');
    request.log.info('access keys registered');
    return { updated: true };
  });
}
