/** The relay's socket.io server and socket types, from the wire module's event maps. */
import type { AccountId, ClientToServerEvents, ServerToClientEvents } from '@parley/crypto-core/wire';
import type { Server, Socket } from 'socket.io';

/** What the handshake established; the sender of every event on the socket. */
export interface SocketData {
  accountId: AccountId;
  deviceId: number;
  /** base64: the device's generation the token was issued for (auth/current-device.ts). */
  generation: string;
  /** base64: the install the token was issued to. */
  installationId: string;
  /** ms since epoch; the socket is closed with TOKEN_EXPIRED then. */
  tokenExpiresAt: number;
}

// biome-ignore lint/complexity/noBannedTypes: socket.io's "no inter-server events" type is an empty map.
type NoInterServerEvents = {};

export type RelaySocketServer = Server<ClientToServerEvents, ServerToClientEvents, NoInterServerEvents, SocketData>;
export type RelaySocket = Socket<ClientToServerEvents, ServerToClientEvents, NoInterServerEvents, SocketData>;

/** Room of one (account, device) on this node (other nodes are reached through RedisCluster, not socket.io rooms). */
export function deviceRoom(accountId: string, deviceId: number): string {
  return `device:${accountId}.${deviceId}`;
}

/** Room of all devices of an account (used to close them all on deletion). */
export function accountRoom(accountId: string): string {
  return `account:${accountId}`;
}
