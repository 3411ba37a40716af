/**
 * socket.io on the relay's HTTP server: websocket transport only (no
 * long-polling: fewer moving parts, and every Parley client speaks
 * websockets), a frame limit just above the largest legitimate send, and the
 * typed events of the wire module. Each connection gets a DeviceConnection
 * (cursor + pump) and joins its (account, device) room.
 *
 * A connection serves only while its token is good for the device's current
 * generation (auth/current-device.ts): a registration on this node ends the
 * earlier generations' connections at once (ConnectionRegistry.supersede);
 * the drain starts only after a check made once the connection is in the
 * registry, so a registration that committed during the handshake is caught
 * either way; and every send and ack checks again, which also catches a
 * registration made through another process on the same store.
 */
import type { Server as HttpServer } from 'node:http';
import { isClientEvent, type RelayError } from '@parley/crypto-core/wire';
import { Server } from 'socket.io';
import { requireCurrentDevice } from '../auth/current-device.js';
import type { RelayContext } from '../context.js';
import { maxSendRequestBytes } from '../delivery/accept-send.js';
import { type DeliverySink, DeviceConnection } from '../delivery/device-connection.js';
import { notifyIfPreKeysLow } from '../delivery/prekey-notices.js';
import { RelayErrorCode, type RelayServerError, toRelayServerError } from '../errors.js';
import { clientAddress } from '../limits/client-address.js';
import { handleAck } from './ack.js';
import { handshakeMiddleware } from './handshake.js';
import type { PendingAcks } from './pending-acks.js';
import { handleSend } from './send.js';
import { accountRoom, deviceRoom, type RelaySocket, type RelaySocketServer } from './types.js';

/** setTimeout's ceiling (~24.8 days); tokens live far shorter. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function sinkFor(socket: RelaySocket): DeliverySink {
  return {
    envelopes: (batch) => socket.emit('envelopes', batch),
    queueEmpty: () => socket.emit('queue-empty'),
    preKeysLow: (counts) => socket.emit('prekeys-low', counts),
    relayError: (error) => socket.emit('relay-error', error),
    disconnect: () => socket.disconnect(true),
  };
}

/**
 * The acknowledgement callback of an event: normally its second argument, but
 * a client that forgot the payload sends the callback first; it still gets a
 * BAD_REQUEST answer instead of silence.
 */
function callbackOf(first: unknown, second: unknown): ((result: unknown) => void) | undefined {
  if (typeof second === 'function') return second as (result: unknown) => void;
  if (typeof first === 'function') return first as (result: unknown) => void;
  return undefined;
}

/**
 * Behind a proxy (--trust-proxy) every websocket arrives from the proxy's
 * address, so the per-address cap counts it here, by forwarded address, for
 * as long as it is open. True when the socket may stay; otherwise it was
 * told TOO_MANY_CONNECTIONS and closed.
 */
function holdAddressSlot(ctx: RelayContext, socket: RelaySocket): boolean {
  if (!ctx.config.trustProxy) return true;
  const address = clientAddress(socket.handshake.address, socket.handshake.headers, true);
  if (!ctx.connectionLimiter.tryAcquire(address)) {
    ctx.metrics.countRefusal(RelayErrorCode.TooManyConnections);
    socket.emit('relay-error', {
      code: RelayErrorCode.TooManyConnections,
      message: 'too many open connections from this address: close some, then reconnect',
    });
    socket.disconnect(true);
    return false;
  }
  socket.on('disconnect', () => ctx.connectionLimiter.release(address));
  return true;
}

/**
 * Unknown events get a BAD_REQUEST relay-error each, up to
 * --unknown-event-burst (refilled at --unknown-event-rate); a connection that
 * sends more is told RATE_LIMITED and closed.
 */
function onUnknownEvent(ctx: RelayContext, socket: RelaySocket, connection: DeviceConnection): void {
  if (ctx.limits.unknownEvent.take(socket.id).ok) {
    socket.emit('relay-error', { code: RelayErrorCode.BadRequest, message: 'unknown event' });
    return;
  }
  ctx.metrics.countRefusal(RelayErrorCode.RateLimited);
  connection.end({ code: RelayErrorCode.RateLimited, message: 'too many unknown events: the connection is closed' });
}

/** Refusals that mean the connection's token no longer opens the device: the connection ends. */
const SUPERSEDED: ReadonlySet<RelayErrorCode> = new Set([
  RelayErrorCode.DeviceTakenOver,
  RelayErrorCode.TokenExpired,
  RelayErrorCode.UnknownAccount,
]);

/** Null while the socket's token is still good for the device; otherwise the refusal. */
async function refusalOf(ctx: RelayContext, socket: RelaySocket): Promise<RelayServerError | null> {
  try {
    await requireCurrentDevice(ctx.store, socket.data);
    return null;
  } catch (error) {
    return toRelayServerError(error);
  }
}

/**
 * Answers a send or ack with `work`'s result while the socket's token is
 * still good for the device; otherwise with the refusal, and then (the answer
 * first, so the client gets it) ends the connection, unless the store itself
 * failed, which says nothing about the device.
 */
async function whileCurrent<R>(
  ctx: RelayContext,
  socket: RelaySocket,
  connection: DeviceConnection,
  work: () => Promise<R>,
  reply: ((result: R | { ok: false; error: RelayError }) => void) | undefined,
  refused: (refusal: RelayServerError) => void = () => {},
): Promise<void> {
  const refusal = await refusalOf(ctx, socket);
  if (refusal === null) {
    const result = await work();
    reply?.(result);
    return;
  }
  refused(refusal);
  reply?.({ ok: false, error: refusal.toWire() });
  if (SUPERSEDED.has(refusal.code)) connection.end(refusal.toWire());
}

function onConnection(ctx: RelayContext, pendingAcks: PendingAcks, socket: RelaySocket): void {
  if (!holdAddressSlot(ctx, socket)) return;
  const { accountId, deviceId, generation, tokenExpiresAt } = socket.data;
  const logger = ctx.logger.child({ deviceId });
  const connection = new DeviceConnection(
    accountId,
    deviceId,
    sinkFor(socket),
    ctx.store,
    ctx.metrics,
    logger,
    ctx.config.deliveryWindow,
  );
  void socket.join([deviceRoom(accountId, deviceId), accountRoom(accountId)]);
  ctx.connections.add(connection, generation);
  ctx.metrics.connections.inc();

  const expiry = setTimeout(
    () => connection.end({ code: RelayErrorCode.TokenExpired, message: 'the token expired: reconnect with a new one' }),
    Math.min(MAX_TIMER_MS, Math.max(0, tokenExpiresAt - Date.now())),
  );
  expiry.unref();

  socket.on('send', (request: unknown, ack: unknown) => {
    const reply = callbackOf(request, ack);
    // Without a callback the sender could never learn the outcome: nothing to do.
    if (reply === undefined) return;
    const payload = reply === request ? undefined : request;
    void whileCurrent(
      ctx,
      socket,
      connection,
      () => handleSend(ctx, { accountId, deviceId }, payload),
      reply,
      (refusal) => ctx.metrics.sendsRefused.inc({ code: refusal.code }),
    );
  });
  socket.on('ack', (request: unknown, ack: unknown) => {
    const reply = callbackOf(request, ack);
    const payload = reply === request ? undefined : request;
    // An ack deletes from the device's queue: never on behalf of an install that no longer holds it.
    void pendingAcks.track(whileCurrent(ctx, socket, connection, () => handleAck(ctx, connection, payload), reply));
  });
  socket.onAny((event: string) => {
    if (!isClientEvent(event)) onUnknownEvent(ctx, socket, connection);
  });
  socket.on('disconnect', () => {
    clearTimeout(expiry);
    connection.close();
    ctx.connections.remove(connection);
    ctx.metrics.connections.dec();
  });

  // Checked again now that the connection is in the registry: a registration
  // that committed while the handshake ran has superseded it.
  void refusalOf(ctx, socket).then((refusal) => {
    if (refusal !== null && SUPERSEDED.has(refusal.code)) {
      connection.end(refusal.toWire());
      return;
    }
    connection.start();
    notifyIfPreKeysLow(ctx, accountId, deviceId);
  });
}

export function createSocketServer(
  httpServer: HttpServer,
  ctx: RelayContext,
  pendingAcks: PendingAcks,
): RelaySocketServer {
  const io: RelaySocketServer = new Server(httpServer, {
    transports: ['websocket'],
    // Largest socket.io frame: the largest send.
    maxHttpBufferSize: maxSendRequestBytes(ctx.config.maxEnvelopeBytes),
    serveClient: false,
    // Delivery state lives in the store (cursor + drain), not in socket.io's recovery buffer.
    connectionStateRecovery: undefined,
  });
  io.use(handshakeMiddleware(ctx));
  io.on('connection', (socket) => onConnection(ctx, pendingAcks, socket));
  return io;
}
