/**
 * Bearer authentication for HTTP routes. A token proves who the caller was
 * when it was issued; routes that act on the caller's account also check that
 * the device still exists, so a deleted account's unexpired token is refused
 * with UNKNOWN_ACCOUNT instead of recreating state for it.
 */
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedDevice } from '../auth/tokens.js';
import { bearerToken } from '../auth/tokens.js';
import type { RelayContext } from '../context.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import type { StoredAccount } from '../storage/relay-store.js';

export async function authenticate(request: FastifyRequest, ctx: RelayContext): Promise<AuthenticatedDevice> {
  return ctx.tokens.verify(bearerToken(request.headers.authorization));
}

export interface RegisteredCaller {
  readonly device: AuthenticatedDevice;
  readonly account: StoredAccount;
}

export async function authenticateRegistered(request: FastifyRequest, ctx: RelayContext): Promise<RegisteredCaller> {
  const device = await authenticate(request, ctx);
  const account = await ctx.store.getAccount(device.accountId);
  if (account === null || !account.devices.some((d) => d.deviceId === device.deviceId)) {
    throw new RelayServerError(RelayErrorCode.UnknownAccount, 'this device is no longer registered');
  }
  return { device, account };
}
