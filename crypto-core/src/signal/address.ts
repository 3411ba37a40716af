/**
 * Protocol addresses: (account id, device id) as libsignal ProtocolAddress.
 * The ciphers resolve an address on every message, so resolved addresses are
 * cached; validation happens once, when an address is first seen.
 */
import { ProtocolAddress } from '@signalapp/libsignal-client';
import { isAccountId } from '../address/account-id.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';
import { type DeviceAddress, MAX_DEVICE_ID } from '../wire/primitives.js';

export type { DeviceAddress } from '../wire/primitives.js';

/** Throws INVALID_ENCODING unless `address` is a well-formed (account id, device id 1..127). */
export function assertDeviceAddress(address: DeviceAddress): void {
  if (
    address === null ||
    typeof address !== 'object' ||
    !isAccountId(address.accountId) ||
    !Number.isInteger(address.deviceId) ||
    address.deviceId < 1 ||
    address.deviceId > MAX_DEVICE_ID
  ) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'address must be an account id and a device id in 1..127');
  }
}

export function toProtocolAddress(address: DeviceAddress): ProtocolAddress {
  assertDeviceAddress(address);
  return ProtocolAddress.new(address.accountId, address.deviceId);
}

/** Most addresses one cache keeps; beyond that it starts over (a vault talks to far fewer devices). */
const MAX_CACHED_ADDRESSES = 4096;

export class AddressCache {
  readonly #addresses = new Map<string, ProtocolAddress>();

  get(address: DeviceAddress): ProtocolAddress {
    const key = `${address.accountId}.${address.deviceId}`;
    let resolved = this.#addresses.get(key);
    if (resolved === undefined) {
      resolved = toProtocolAddress(address);
      if (this.#addresses.size >= MAX_CACHED_ADDRESSES) this.#addresses.clear();
      this.#addresses.set(key, resolved);
    }
    return resolved;
  }
}
