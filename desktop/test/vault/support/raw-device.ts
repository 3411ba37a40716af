/**
 * A peer built directly on crypto-core (no vault): for messages the vault API
 * cannot produce (group control with a sender-key distribution, an impostor
 * claiming someone else's address) and for fast bulk senders.
 */
import {
  encodeContent,
  GroupCipher,
  generateIdentity,
  type KnownContent,
  type LocalIdentity,
  MemoryProtocolStore,
  SessionCipher,
} from '@parley/crypto-core';
import type { DeviceAddress, Envelope, PreKeyBundlesResponse } from '@parley/crypto-core/wire';

export class RawDevice {
  readonly identity: LocalIdentity = generateIdentity();
  readonly address: DeviceAddress = { accountId: this.identity.accountId, deviceId: 1 };
  readonly store = new MemoryProtocolStore(this.identity);
  readonly session = new SessionCipher(this.store, this.address);
  readonly group = new GroupCipher(this.store, this.address);
  #clock = 1_800_000_000_000;

  async startSession(bundles: PreKeyBundlesResponse): Promise<DeviceAddress> {
    const [bundle] = bundles.bundles;
    if (bundle === undefined) throw new Error('no bundle');
    return this.session.startSession(bundle);
  }

  /** An unsealed envelope to `to`, claiming to come from `claimedSource` (default: this device). */
  async envelope(
    to: DeviceAddress,
    content: KnownContent,
    claimedSource: DeviceAddress = this.address,
  ): Promise<Envelope> {
    const { type, body } = await this.session.encrypt(to, encodeContent(content));
    return {
      id: crypto.randomUUID(),
      type,
      source: claimedSource,
      destinationDeviceId: to.deviceId,
      content: Buffer.from(body).toString('base64'),
      serverTimestamp: this.#clock++,
    };
  }
}
