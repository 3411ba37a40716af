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
 * (INVALID_SIGNATURE), that every key is usable (INVALID_KEY) and every
 * signed prekey's signature verifies (INVALID_SIGNATURE), so that nothing the
 * relay stores could later be refused by a peer. Then, in the store's
 * transaction: a new account must be admitted by the registration policy
 * (REGISTRATION_CLOSED; INVITE_REQUIRED / INVITE_INVALID under `invite`, the
 * code consumed only if the registration commits), and the one-time prekeys
 * must fit the per-device limits (TOO_MANY_PREKEYS). Devices of an existing
 * account never need an invite, a takeover included.
 *
 * Re-registering a device replaces all its keys and gives it a new
 * generation, which ends every token issued before (auth/current-device.ts)
 * and the device's open sockets. From another installation id it is a
 * takeover (a backup restored on another computer): the store drops the
 * device's queue in the same transaction, and the previous install's sockets
 * are told DEVICE_TAKEN_OVER before they close (docs/protocol.md §3.1).
 *
 *   GET    /v1/registration  -> { policy }: what a client must know before it registers
 *
 * Deletion erases the account's devices, keys, queued envelopes and attachment blobs (GDPR
 * erasure) and closes its sockets. Only a token at the device's current
 * generation may delete: an install that was taken over cannot erase the
 * account its successor uses.
 */
import {
  type DeleteAccountResponse,
  type RegistrationInfoResponse,
  type RelayError,
  registerRequestSchema,
  routes,
  type TokenResponse,
} from '@parley/crypto-core/wire';
import type { FastifyInstance } from 'fastify';
import { inviteCodeHash } from '../auth/invites.js';
import type { RelayContext } from '../context.js';
import { identityKeyMatchesAccount } from '../crypto/index.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import type { AccountAdmission, RegistrationRules } from '../storage/relay-store.js';
import { assertChallengeSigned, enforceAuthRate } from './auth.js';
import { authenticateAccountHolder } from './authenticate.js';
import { assertUsableUpload } from './prekey-checks.js';
import { parseRequest } from './validation.js';

function admissionOf(ctx: RelayContext, inviteCode: string | undefined): AccountAdmission {
  const policy = ctx.config.registration;
  if (policy !== 'invite') return { policy };
  return { policy, inviteCodeHash: inviteCode === undefined ? null : inviteCodeHash(inviteCode) };
}

function registrationRules(ctx: RelayContext, inviteCode: string | undefined): RegistrationRules {
  return {
    admission: admissionOf(ctx, inviteCode),
    preKeyLimits: { maxPreKeys: ctx.config.maxPreKeys, maxKyberPreKeys: ctx.config.maxKyberPreKeys },
  };
}

export function registerAccountRoutes(app: FastifyInstance, ctx: RelayContext): void {
  app.get(routes.registration, async (): Promise<RegistrationInfoResponse> => ({ policy: ctx.config.registration }));

  app.post(routes.accounts, async (request, reply): Promise<TokenResponse> => {
    await enforceAuthRate(request, ctx);
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
    assertUsableUpload(body.identityKey, body);
    const registered = await ctx.store.registerDevice(
      {
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
      },
      registrationRules(ctx, body.inviteCode),
    );
    if (registered === null) {
      // Only reachable through a hash collision of account ids: the id commits to the key.
      throw new RelayServerError(RelayErrorCode.Forbidden, 'this account exists with another identity key');
    }
    // Before the answer, so no connection of the new generation exists yet:
    // every open one is of an earlier registration.
    const supersededError: RelayError = registered.takenOver
      ? {
          code: RelayErrorCode.DeviceTakenOver,
          message:
            'another install registered this device (a backup restored elsewhere): this one can no longer use it',
        }
      : { code: RelayErrorCode.TokenExpired, message: 'this device registered again: reconnect with a new token' };
    ctx.connections.supersede(body.accountId, body.deviceId, registered.generation, supersededError);
    // Connections of the earlier install on other nodes.
    ctx.cluster?.superseded(body.accountId, body.deviceId, registered.generation, supersededError);
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
    ctx.cluster?.accountDeleted(device.accountId, 'the account was deleted');
    // A send to this account that passed its recipient check just before the
    // delete may still be in the commit batch: let it land, then erase again.
    await ctx.committer.idle();
    await ctx.store.deleteAccount(device.accountId);
    // Its attachment blobs, finished or not (a token of the deleted account can start no new upload).
    await ctx.blobs.sweep(Date.now(), device.accountId);
    if (!existed) throw new RelayServerError(RelayErrorCode.UnknownAccount, 'no such account on this relay');
    request.log.info('account deleted');
    return { deleted: true };
  });
}
