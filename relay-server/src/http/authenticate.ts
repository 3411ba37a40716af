/**
 * Bearer authentication for HTTP routes. A token proves who the caller was
 * when it was issued; every route also checks that it is still good for the
 * device (auth/current-device.ts): a deleted account's unexpired token is
 * refused with UNKNOWN_ACCOUNT instead of recreating state for it, and the
 * token of an install whose device was taken over with DEVICE_TAKEN_OVER.
 */
import type { FastifyRequest } from 'fastify';
import { findCurrentDevice, requireCurrentDevice } from '../auth/current-device.js';
import type { AuthenticatedDevice } from '../auth/tokens.js';
import { bearerToken } from '../auth/tokens.js';
import type { RelayContext } from '../context.js';
import type { StoredAccount } from '../storage/relay-store.js';

function verifiedToken(request: FastifyRequest, ctx: RelayContext): Promise<AuthenticatedDevice> {
  return ctx.tokens.verify(bearerToken(request.headers.authorization));
}

export interface RegisteredCaller {
  readonly device: AuthenticatedDevice;
  readonly account: StoredAccount;
}

/** The caller, whose device exists at the token's generation. */
export async function authenticateRegistered(request: FastifyRequest, ctx: RelayContext): Promise<RegisteredCaller> {
  const device = await verifiedToken(request, ctx);
  const { account } = await requireCurrentDevice(ctx.store, device);
  return { device, account };
}

/**
 * The caller, whose account may be gone already (account deletion finishes
 * an interrupted erase), but never one whose device another install or a
 * later registration holds now.
 */
export async function authenticateAccountHolder(
  request: FastifyRequest,
  ctx: RelayContext,
): Promise<AuthenticatedDevice> {
  const device = await verifiedToken(request, ctx);
  await findCurrentDevice(ctx.store, device);
  return device;
}
