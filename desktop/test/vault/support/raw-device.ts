/**
 * A peer built directly on crypto-core (no vault): for messages the vault API
 * cannot produce (group control and sender-key distributions, an impostor
 * claiming someone else's address, unsealed or under a relay's forged sender
 * certificate) and for fast bulk senders.
 */
import {
  bytes,
  encodeContent,
  GroupCipher,
  generateIdentity,
  type KnownContent,
  type LocalIdentity,
  MemoryProtocolStore,
  SessionCipher,
  signalStoresFor,
} from '@parley/crypto-core';
import type { DeviceAddress, Envelope, PreKeyBundlesResponse } from '@parley/crypto-core/wire';
import { ProtocolAddress, SenderCertificate, sealedSenderEncryptMessage } from '@signalapp/libsignal-client';

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

  /**
   * A sealed envelope to `to` carrying `certificate` as it is, with no check
   * that it is this device's (a lying relay's certificate naming someone else).
   */
  async sealedEnvelope(
    to: DeviceAddress,
    content: KnownContent,
    certificate: Uint8Array,
    serverTimestamp: number = Date.now(),
  ): Promise<Envelope> {
    const stores = signalStoresFor(this.store);
    const body = await sealedSenderEncryptMessage(
      encodeContent(content),
      ProtocolAddress.new(to.accountId, to.deviceId),
      SenderCertificate.deserialize(bytes(certificate)),
      stores.session,
      stores.identity,
    );
    return {
      id: crypto.randomUUID(),
      type: 'sealed',
      destinationDeviceId: to.deviceId,
      content: Buffer.from(body).toString('base64'),
      serverTimestamp,
    };
  }
}
