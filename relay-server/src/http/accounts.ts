/**
 * Accounts: registration with proof of possession, and deletion.
 *
 *   POST   /v1/accounts      RegisterRequest -> 201 TokenResponse
 *   DELETE /v1/accounts/me   (Bearer)        -> { deleted: true }
 *
 * Registration checks, in order: the body's shape (BAD_REQUEST), that the
 * account id commits to the identity key (ACCOUNT_ID_MISMATCH), the challenge
 * (CHALLENGE_INVALID; consumed whatever happens next), the identity key's
 * signature over authSignedMessage('register', <this relay's URL>, ...)
 * (INVALID_SIGNATURE), and
 * every signed prekey's signature (INVALID_SIGNATURE), so that nothing the
 * relay stores could later be refused by a peer. Re-registering a device
 * replaces all its keys and gives it a new generation, which ends every
 * token issued before (auth/current-device.ts) and the device's open
 * sockets. From another installation id it is a takeover (a backup restored
 * on another computer): the store drops the device's queue in the same
 * transaction, and the previous install's sockets are told DEVICE_TAKEN_OVER
 * before they close (docs/protocol.md §3.1).
 *
 * Deletion erases the account's devices, keys and queued envelopes (GDPR
 * erasure) and closes its sockets. Only a token at the device's current
 * generation may delete: an install that was taken over cannot erase the
 * account its successor uses.
 */
import {
  type DeleteAccountResponse,
  registerRequestSchema,
  routes,
  type TokenResponse,
} from '@parley/crypto-core/wire';
import type { FastifyInstance } from 'fastify';
import type { RelayContext } from '../context.js';
import { findBadPreKeySignature, identityKeyMatchesAccount } from '../crypto/index.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import { assertChallengeSigned, enforceAuthRate } from './auth.js';
import { authenticateAccountHolder } from './authenticate.js';
import { parseRequest } from './validation.js';

export function registerAccountRoutes(app: FastifyInstance, ctx: RelayContext): void {
  app.post(routes.accounts, async (request, reply): Promise<TokenResponse> => {
    enforceAuthRate(request, ctx);
    const body = parseRequest(registerRequestSchema, request.body, 'register request');
    if (!identityKeyMatchesAccount(body.accountId, body.identityKey)) {
      throw new RelayServerError(
        RelayErrorCode.AccountIdMismatch,
        'the account id does not belong to this identity key',
      );
    }
    await ctx.challenges.consume(body.challenge, body.accountId, body.deviceId);
    assertChallengeSigned(ctx, body.identityKey, {
      purpose: 'register',
      accountId: body.accountId,
      deviceId: body.deviceId,
      challenge: body.challenge,
      signature: body.signature,
    });
    const badKey = findBadPreKeySignature(body.identityKey, body);
    if (badKey !== null) {
      throw new RelayServerError(RelayErrorCode.InvalidSignature, `the signature of ${badKey} does not verify`);
    }
    const registered = await ctx.store.registerDevice({
      accountId: body.accountId,
      deviceId: body.deviceId,
      installationId: body.installationId,
      registrationId: body.registrationId,
      identityKey: body.identityKey,
      signedPreKey: body.signedPreKey,
      lastResortKyberPreKey: body.lastResortKyberPreKey,
      preKeys: body.preKeys,
      kyberPreKeys: body.kyberPreKeys,
      now: Date.now(),
    });
    if (registered === null) {
      // Only reachable through a hash collision of account ids: the id commits to the key.
      throw new RelayServerError(RelayErrorCode.Forbidden, 'this account exists with another identity key');
    }
    // Before the answer, so no connection of the new generation exists yet:
    // every open one is of an earlier registration.
    ctx.connections.supersede(
      body.accountId,
      body.deviceId,
      registered.generation,
      registered.takenOver
        ? {
            code: RelayErrorCode.DeviceTakenOver,
            message:
              'another install registered this device (a backup restored elsewhere): this one can no longer use it',
          }
        : { code: RelayErrorCode.TokenExpired, message: 'this device registered again: reconnect with a new token' },
    );
    if (registered.takenOver) {
      request.log.info(
        { deviceId: body.deviceId, droppedEnvelopes: registered.droppedEnvelopes },
        'device taken over by another install',
      );
    } else {
      request.log.info({ deviceId: body.deviceId }, 'device registered');
    }
    void reply.status(201);
    return ctx.tokens.issue({
      accountId: body.accountId,
      deviceId: body.deviceId,
      generation: registered.generation,
      installationId: body.installationId,
    });
  });

  app.delete(routes.account, async (request): Promise<DeleteAccountResponse> => {
    const device = await authenticateAccountHolder(request, ctx);
    const existed = await ctx.store.deleteAccount(device.accountId);
    ctx.connections.disconnectAccount(device.accountId, 'the account was deleted');
    // A send to this account that passed its recipient check just before the
    // delete may still be in the commit batch: let it land, then erase again.
    await ctx.committer.idle();
    await ctx.store.deleteAccount(device.accountId);
    if (!existed) throw new RelayServerError(RelayErrorCode.UnknownAccount, 'no such account on this relay');
    request.log.info('account deleted');
    return { deleted: true };
  });
}
