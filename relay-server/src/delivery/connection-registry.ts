/**
 * The devices connected to this node, by account and device, each with the
 * generation (registration) its token was issued for. A device may briefly
 * have two connections (a reconnect racing the old socket's close); each has
 * its own cursor, so both receive everything, and the client de-duplicates
 * by envelope id as it must anyway. A registration ends the connections of
 * every earlier generation (`supersede`).
 */
import type { AccountId, RelayError } from '@parley/crypto-core/wire';
import { RelayErrorCode } from '../errors.js';
import type { StoredEnvelope } from '../storage/relay-store.js';
import type { DeviceConnection } from './device-connection.js';

/** Told when an account gains its first connection on this node and loses its last (RedisCluster subscribes). */
export interface AccountWatcher {
  watch(accountId: string): void;
  unwatch(accountId: string): void;
}

export class ConnectionRegistry {
  #watcher: AccountWatcher | undefined;
  readonly #byAccount = new Map<string, Map<number, Set<DeviceConnection>>>();
  readonly #generations = new WeakMap<DeviceConnection, string>();
  #count = 0;

  /** Set once at start-up, before any connection (relay.ts). */
  watchAccounts(watcher: AccountWatcher): void {
    this.#watcher = watcher;
  }

  /** `generation`: the device's generation the connection's token was issued for. */
  add(connection: DeviceConnection, generation: string): void {
    this.#generations.set(connection, generation);
    let devices = this.#byAccount.get(connection.accountId);
    if (devices === undefined) {
      devices = new Map();
      this.#byAccount.set(connection.accountId, devices);
      this.#watcher?.watch(connection.accountId);
    }
    let connections = devices.get(connection.deviceId);
    if (connections === undefined) {
      connections = new Set();
      devices.set(connection.deviceId, connections);
    }
    if (!connections.has(connection)) {
      connections.add(connection);
      this.#count++;
    }
  }

  remove(connection: DeviceConnection): void {
    const devices = this.#byAccount.get(connection.accountId);
    const connections = devices?.get(connection.deviceId);
    if (devices === undefined || connections === undefined || !connections.delete(connection)) return;
    this.#count--;
    if (connections.size === 0) devices.delete(connection.deviceId);
    if (devices.size === 0) {
      this.#byAccount.delete(connection.accountId);
      this.#watcher?.unwatch(connection.accountId);
    }
  }

  forDevice(accountId: string, deviceId: number): ReadonlySet<DeviceConnection> {
    return this.#byAccount.get(accountId)?.get(deviceId) ?? EMPTY;
  }

  forAccount(accountId: string): DeviceConnection[] {
    const devices = this.#byAccount.get(accountId);
    if (devices === undefined) return [];
    return [...devices.values()].flatMap((connections) => [...connections]);
  }

  all(): DeviceConnection[] {
    return [...this.#byAccount.values()].flatMap((devices) => [...devices.values()].flatMap((set) => [...set]));
  }

  get size(): number {
    return this.#count;
  }

  /** Hands freshly committed envelopes to the connections of their devices (grouped, seq order kept). */
  offerCommitted(stored: readonly StoredEnvelope[]): void {
    const byDevice = new Map<string, StoredEnvelope[]>();
    for (const envelope of stored) {
      if (this.forDevice(envelope.recipient, envelope.deviceId).size === 0) continue;
      const key = `${envelope.recipient}.${envelope.deviceId}`;
      const list = byDevice.get(key);
      if (list === undefined) byDevice.set(key, [envelope]);
      else list.push(envelope);
    }
    for (const envelopes of byDevice.values()) {
      envelopes.sort((a, b) => a.seq - b.seq);
      const first = envelopes[0];
      if (first === undefined) continue;
      for (const connection of this.forDevice(first.recipient, first.deviceId)) connection.offer(envelopes);
    }
  }

  /**
   * The device was just registered at `generation`: tells every connection
   * of an earlier generation why (DEVICE_TAKEN_OVER after a takeover) and
   * closes it, so nothing more is pushed to, or accepted from, it.
   */
  supersede(accountId: AccountId, deviceId: number, generation: string, error: RelayError): void {
    for (const connection of [...this.forDevice(accountId, deviceId)]) {
      if (this.#generations.get(connection) !== generation) connection.end(error);
    }
  }

  /** Tells every connection of the account why, then closes them (account deleted). */
  disconnectAccount(accountId: AccountId, reason: string): void {
    for (const connection of this.forAccount(accountId)) {
      connection.end({ code: RelayErrorCode.UnknownAccount, message: reason });
    }
  }
}

const EMPTY: ReadonlySet<DeviceConnection> = new Set();
