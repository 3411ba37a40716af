/**
 * Prekeys: upload/replenish, count, and bundle fetch.
 *
 * An upload is limited per device (--prekey-upload-rate: RATE_LIMITED), its
 * keys must be usable and signed (prekey-checks.ts), and it is stored whole
 * or not at all: an id already stored with another key is
 * PREKEY_ID_CONFLICT, one that would leave the device more one-time keys
 * than --max-prekeys / --max-kyber-prekeys is TOO_MANY_PREKEYS; re-uploading
 * a key already stored changes nothing.
 *
 *   PUT /v1/keys                                (Bearer) PreKeyUpload -> PreKeyCountResponse
 *   GET /v1/keys/count                          (Bearer) -> PreKeyCountResponse
 *   GET /v1/keys/bundles/:accountId             (Bearer) -> PreKeyBundlesResponse (every device)
 *   GET /v1/keys/bundles/:accountId/:deviceId   (Bearer) -> PreKeyBundlesResponse (that device)
 *
 * A fetch claims one one-time EC and one Kyber prekey per device through the
 * store's atomic `claimBundle`, so concurrent fetches never share a key; the
 * Kyber key falls back to the last-resort key and the EC key to none. Fetches
 * are limited per requester and per target: draining someone's one-time
 * prekeys would degrade their forward secrecy. After a claim, a target device
 * that runs low is told so (`prekeys-low`) if it is online.
 */
import {
  type PreKeyBundlesResponse,
  type PreKeyBundleWire,
  type PreKeyCountResponse,
  preKeyUploadSchema,
  routes,
} from '@parley/crypto-core/wire';
import type { FastifyInstance } from 'fastify';
import type { RelayContext } from '../context.js';
import { notifyIfPreKeysLow } from '../delivery/prekey-notices.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import { deviceKey, enforce } from '../limits/rate-limits.js';
import type { ClaimedBundle } from '../storage/relay-store.js';
import { authenticateRegistered } from './authenticate.js';
import { assertUsableUpload } from './prekey-checks.js';
import { parseAccountIdParam, parseDeviceIdParam, parseRequest } from './validation.js';

function bundleToWire(claimed: ClaimedBundle): PreKeyBundleWire {
  return {
    accountId: claimed.accountId,
    deviceId: claimed.deviceId,
    registrationId: claimed.registrationId,
    identityKey: claimed.identityKey,
    signedPreKey: claimed.signedPreKey,
    preKey: claimed.preKey,
    kyberPreKey: claimed.kyberPreKey,
  };
}

export function registerKeyRoutes(app: FastifyInstance, ctx: RelayContext): void {
  app.put(routes.keys, async (request): Promise<PreKeyCountResponse> => {
    const { device, account } = await authenticateRegistered(request, ctx);
    enforce(ctx.limits.preKeyUpload, deviceKey(device.accountId, device.deviceId), 'prekey uploads');
    const upload = parseRequest(preKeyUploadSchema, request.body, 'prekey upload');
    assertUsableUpload(account.identityKey, upload);
    await ctx.store.storePreKeys(device.accountId, device.deviceId, upload, {
      maxPreKeys: ctx.config.maxPreKeys,
      maxKyberPreKeys: ctx.config.maxKyberPreKeys,
    });
    return ctx.store.countPreKeys(device.accountId, device.deviceId);
  });

  app.get(routes.keyCount, async (request): Promise<PreKeyCountResponse> => {
    const { device } = await authenticateRegistered(request, ctx);
    return ctx.store.countPreKeys(device.accountId, device.deviceId);
  });

  const fetchBundles = async (requester: string, params: { accountId?: string; deviceId?: string }) => {
    const target = parseAccountIdParam(params.accountId);
    const onlyDevice = params.deviceId === undefined ? undefined : parseDeviceIdParam(params.deviceId);
    enforce(ctx.limits.bundleRequester, requester, 'bundle fetches');
    enforce(ctx.limits.bundleTarget, target, 'bundle fetches for this account');
    const account = await ctx.store.getAccount(target);
    if (account === null) throw new RelayServerError(RelayErrorCode.UnknownAccount, 'no such account on this relay');
    const deviceIds =
      onlyDevice === undefined
        ? account.devices.map((d) => d.deviceId)
        : account.devices.some((d) => d.deviceId === onlyDevice)
          ? [onlyDevice]
          : [];
    if (deviceIds.length === 0)
      throw new RelayServerError(RelayErrorCode.UnknownAccount, 'no such device on this relay');
    const bundles: PreKeyBundleWire[] = [];
    for (const deviceId of deviceIds) {
      const claimed = await ctx.store.claimBundle(target, deviceId);
      // A device deleted between the lookup and the claim is simply left out.
      if (claimed !== null) bundles.push(bundleToWire(claimed));
      notifyIfPreKeysLow(ctx, target, deviceId);
    }
    if (bundles.length === 0)
      throw new RelayServerError(RelayErrorCode.UnknownAccount, 'no such account on this relay');
    const response: PreKeyBundlesResponse = { accountId: target, bundles };
    return response;
  };

  app.get<{ Params: { accountId: string } }>(`${routes.bundles}/:accountId`, async (request) => {
    const { device } = await authenticateRegistered(request, ctx);
    return fetchBundles(device.accountId, request.params);
  });
  app.get<{ Params: { accountId: string; deviceId: string } }>(
    `${routes.bundles}/:accountId/:deviceId`,
    async (request) => {
      const { device } = await authenticateRegistered(request, ctx);
      return fetchBundles(device.accountId, request.params);
    },
  );
}
