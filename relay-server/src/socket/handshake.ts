/**
 * Socket handshake: the `auth` payload must be { token, wireVersion } and the
 * token valid for a device that still exists, at the generation the token
 * names (auth/current-device.ts). A refused handshake reaches the client as a
 * `connect_error` whose `data` is the wire error body, e.g.
 * { code: 'TOKEN_EXPIRED', message }, so it can tell "fetch a new token" from
 * "you are not registered" and "another install holds this device now"
 * (DEVICE_TAKEN_OVER).
 */
import { socketAuthSchema } from '@parley/crypto-core/wire';
import type { ExtendedError } from 'socket.io';
import { requireCurrentDevice } from '../auth/current-device.js';
import type { RelayContext } from '../context.js';
import { RelayErrorCode, RelayServerError, toRelayServerError } from '../errors.js';
import { parseRequest } from '../http/validation.js';
import type { RelaySocket, SocketData } from './types.js';

export async function authenticateHandshake(ctx: RelayContext, auth: unknown): Promise<SocketData> {
  if (ctx.lifecycle.shuttingDown) {
    throw new RelayServerError(RelayErrorCode.Unavailable, 'the relay is shutting down', undefined, { retryAfter: 5 });
  }
  const { token } = parseRequest(socketAuthSchema, auth, 'socket auth');
  const device = await ctx.tokens.verify(token);
  await requireCurrentDevice(ctx.store, device);
  return {
    accountId: device.accountId,
    deviceId: device.deviceId,
    generation: device.generation,
    installationId: device.installationId,
    tokenExpiresAt: device.expiresAt,
  };
}

export function handshakeMiddleware(ctx: RelayContext) {
  return (socket: RelaySocket, next: (error?: ExtendedError) => void): void => {
    authenticateHandshake(ctx, socket.handshake.auth).then(
      (data) => {
        socket.data = data;
        next();
      },
      (error: unknown) => {
        const relayError = toRelayServerError(error);
        if (relayError.code === RelayErrorCode.Internal) ctx.logger.error({ err: error }, 'handshake failed');
        const refusal: ExtendedError = new Error(relayError.message);
        refusal.data = relayError.toWire();
        next(refusal);
      },
    );
  };
}
