/**
 * Groups with sender keys (docs/protocol.md §Groups).
 *
 * Each member device has, per group, a sender-key chain named by a
 * distribution id (a UUID). It sends its distribution message to every other
 * member over their 1:1 sessions (which authenticate it), then encrypts each
 * group message once. Receivers decrypt with the sender's chain.
 *
 * Membership changes:
 * - added member: each sender sends it the distribution message for its
 *   current distribution id. The chain only ratchets forward, so the new
 *   member reads messages from that point on, never earlier ones.
 * - removed member: every remaining sender starts a new distribution id
 *   (`newDistributionId`) and sends its distribution message to the remaining
 *   members only. The removed member holds no state for the new id, so it
 *   cannot read anything sent after (NO_SENDER_KEY).
 */
import {
  type CiphertextMessage,
  groupDecrypt,
  groupEncrypt,
  type ProtocolAddress,
  processSenderKeyDistributionMessage,
  SenderKeyDistributionMessage,
} from '@signalapp/libsignal-client';
import { type Bytes, bytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';
import { type SignalStores, signalStoresFor } from '../store/adapters.js';
import type { ProtocolStore } from '../store/protocol-store.js';
import { AddressCache, type DeviceAddress, toProtocolAddress } from './address.js';
import { type ErrorContext, mapSignalErrors, toCryptoError } from './errors-map.js';

/** A lowercase UUID in its 8-4-4-4-12 text form (distribution ids, group ids). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A fresh random distribution id (UUID v4). */
export function newDistributionId(): string {
  return crypto.randomUUID();
}

function assertDistributionId(distributionId: string): void {
  if (typeof distributionId !== 'string' || !UUID_PATTERN.test(distributionId)) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'distribution id must be a lowercase UUID');
  }
}

const ENCRYPT_ERRORS: ErrorContext = { fallback: CryptoErrorCode.Internal };

/**
 * Encrypts `plaintext` under the sender's chain for `distributionId`: the
 * libsignal message itself, which sealing for several recipients wraps
 * (sealed-sender-multi.ts); GroupCipher.encrypt serializes it.
 */
export async function encryptWithSenderKey(
  stores: SignalStores,
  sender: ProtocolAddress,
  distributionId: string,
  plaintext: Uint8Array,
): Promise<CiphertextMessage> {
  assertDistributionId(distributionId);
  if (!(plaintext instanceof Uint8Array))
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'plaintext must be bytes');
  try {
    return await groupEncrypt(sender, distributionId, stores.senderKey, bytes(plaintext));
  } catch (error) {
    throw toCryptoError(error, ENCRYPT_ERRORS);
  }
}

export class GroupCipher {
  readonly localAddress: DeviceAddress;
  readonly #stores: SignalStores;
  readonly #local: ProtocolAddress;
  readonly #addresses = new AddressCache();
  readonly #decryptErrors: ErrorContext = { fallback: CryptoErrorCode.InvalidMessage };
  readonly #distributionErrors: ErrorContext = { fallback: CryptoErrorCode.InvalidMessage };

  constructor(store: ProtocolStore, localAddress: DeviceAddress) {
    this.#local = toProtocolAddress(localAddress);
    this.localAddress = { accountId: localAddress.accountId, deviceId: localAddress.deviceId };
    this.#stores = signalStoresFor(store);
  }

  /**
   * Our distribution message for `distributionId` (creating our chain on first
   * use), to send to each member over a 1:1 session.
   */
  async createDistributionMessage(distributionId: string): Promise<Bytes> {
    assertDistributionId(distributionId);
    try {
      const message = await SenderKeyDistributionMessage.create(this.#local, distributionId, this.#stores.senderKey);
      return message.serialize();
    } catch (error) {
      throw toCryptoError(error, ENCRYPT_ERRORS);
    }
  }

  /** Records a member's distribution message (received over the 1:1 session with `sender`). */
  async processDistributionMessage(sender: DeviceAddress, message: Uint8Array): Promise<void> {
    const address = this.#addresses.get(sender);
    if (!(message instanceof Uint8Array)) throw invalidInput(CryptoErrorCode.InvalidMessage, 'message must be bytes');
    const parsed = mapSignalErrors(this.#distributionErrors, () =>
      SenderKeyDistributionMessage.deserialize(bytes(message)),
    );
    try {
      await processSenderKeyDistributionMessage(address, parsed, this.#stores.senderKey);
    } catch (error) {
      throw toCryptoError(error, this.#distributionErrors);
    }
  }

  /** Encrypts once for the whole group under our chain for `distributionId`. */
  async encrypt(distributionId: string, plaintext: Uint8Array): Promise<Bytes> {
    return (await encryptWithSenderKey(this.#stores, this.#local, distributionId, plaintext)).serialize();
  }

  /** Decrypts a group message from `sender` (NO_SENDER_KEY without its distribution message). */
  async decrypt(sender: DeviceAddress, ciphertext: Uint8Array): Promise<Bytes> {
    const address = this.#addresses.get(sender);
    if (!(ciphertext instanceof Uint8Array))
      throw invalidInput(CryptoErrorCode.InvalidMessage, 'ciphertext must be bytes');
    try {
      return await groupDecrypt(address, this.#stores.senderKey, bytes(ciphertext));
    } catch (error) {
      throw toCryptoError(error, this.#decryptErrors);
    }
  }
}
