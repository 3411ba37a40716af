/**
 * The raw libsignal receiver of the decrypt-only baselines (the vault bench
 * and the desktop drain bench): crypto-core's benchmark stores (records kept
 * as objects in maps) plus the receiver's address. Prekeys go unused: the
 * session is established before timing starts.
 */
import type { DeviceAddress } from '@parley/crypto-core/wire';
import { type IdentityKeyPair, ProtocolAddress } from '@signalapp/libsignal-client';
import { RawStores } from '../../../../crypto-core/bench/raw-stores.js';

export class RawReceiver extends RawStores {
  readonly address: ProtocolAddress;

  constructor(keyPair: IdentityKeyPair, registrationId: number, address: DeviceAddress) {
    super(keyPair, registrationId);
    this.address = ProtocolAddress.new(address.accountId, address.deviceId);
  }
}
