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
 *   GET /v1/keys/bundles/:accountId             (Bearer and/or Parley-Access-Key) -> PreKeyBundlesResponse (every device)
 *   GET /v1/keys/bundles/:accountId/:deviceId   (Bearer and/or Parley-Access-Key) -> PreKeyBundlesResponse (that device)
 *
 * Who may fetch (auth/access-keys.ts): without a token, whoever presents an
 * access key of the account in the Parley-Access-Key header (a sender on
 * another relay); a wrong key, an account without keys and an unknown
 * account all get ACCESS_DENIED. With a token, as before for an account
 * that registered no access keys; once it registered them, a requester other
 * than the account itself must present one in the header too.
 *
 * A fetch claims one one-time EC and one Kyber prekey per device through the
 * store's atomic `claimBundle`, so concurrent fetches never share a key; the
 * Kyber key falls back to the last-resort key and the EC key to none. Fetches
 * are limited per requester (or, without a token, per client address and per
 * access key) and per target: draining someone's one-time prekeys would
 * degrade their forward secrecy. After a claim, a target device
 * that runs low is told so (`prekeys-low`) if it is online.
 */
import {
  ACCESS_KEY_HEADER,
  accessKeySchema,
  type PreKeyBundlesResponse,
  type PreKeyBundleWire,
  type PreKeyCountResponse,
  preKeyUploadSchema,
  routes,
} from '@parley/crypto-core/wire';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkAuthenticatedAccess, requireAccessKey } from '../auth/access-keys.js';
import type { RelayContext } from '../context.js';
import { notifyIfPreKeysLow } from '../delivery/prekey-notices.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import { accessKeyLimitKey, deviceKey, enforce } from '../limits/rate-limits.js';
import type { ClaimedBundle, StoredAccount } from '../storage/relay-store.js';
import { authenticateRegistered } from './authenticate.js';
import { assertUsableUpload } from './prekey-checks.js';
import { parseAccountIdParam, parseDeviceIdParam, parseRequest } from './validation.js';

interface BundleParams {
  readonly accountId: string;
  readonly deviceId?: string;
}

/** The Parley-Access-Key header's key, checked as one (BAD_REQUEST otherwise), or undefined without the header. */
function presentedAccessKey(request: FastifyRequest): string | undefined {
  const value = request.headers[ACCESS_KEY_HEADER.toLowerCase()];
  if (value === undefined) return undefined;
  return parseRequest(accessKeySchema, value, `${ACCESS_KEY_HEADER} header`);
}

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
    await enforce(ctx.limits.preKeyUpload, deviceKey(device.accountId, device.deviceId), 'prekey uploads');
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

  /** Claims one bundle per device of `account` (or of `onlyDevice`). */
  const claimBundles = async (account: StoredAccount, onlyDevice: number | undefined) => {
    const target = account.accountId;
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
      ctx.cluster?.preKeysClaimed(target, deviceId);
    }
    if (bundles.length === 0)
      throw new RelayServerError(RelayErrorCode.UnknownAccount, 'no such account on this relay');
    const response: PreKeyBundlesResponse = { accountId: target, bundles };
    return response;
  };

  const fetchBundles = async (request: FastifyRequest<{ Params: BundleParams }>) => {
    const target = parseAccountIdParam(request.params.accountId);
    const onlyDevice = request.params.deviceId === undefined ? undefined : parseDeviceIdParam(request.params.deviceId);
    const presented = presentedAccessKey(request);
    if (request.headers.authorization === undefined && presented !== undefined) {
      // Unauthenticated, with the target's access key: a sender on another relay.
      await enforce(ctx.limits.accessAddress, request.ip, 'unauthenticated requests from this address');
      const { account, kind } = requireAccessKey(await ctx.store.getAccount(target), presented);
      await enforce(ctx.limits.accessBundle, accessKeyLimitKey(target, kind), 'bundle fetches with this access key');
      await enforce(ctx.limits.bundleTarget, target, 'bundle fetches for this account');
      return claimBundles(account, onlyDevice);
    }
    const { device } = await authenticateRegistered(request, ctx);
    await enforce(ctx.limits.bundleRequester, device.accountId, 'bundle fetches');
    const account = await ctx.store.getAccount(target);
    if (account === null) throw new RelayServerError(RelayErrorCode.UnknownAccount, 'no such account on this relay');
    checkAuthenticatedAccess(device.accountId, account, presented);
    // After the access check: a requester without the key cannot spend the target's fetches.
    await enforce(ctx.limits.bundleTarget, target, 'bundle fetches for this account');
    return claimBundles(account, onlyDevice);
  };

  app.get<{ Params: BundleParams }>(`${routes.bundles}/:accountId`, fetchBundles);
  app.get<{ Params: BundleParams }>(`${routes.bundles}/:accountId/:deviceId`, fetchBundles);
}
