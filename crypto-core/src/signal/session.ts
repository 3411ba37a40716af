/**
 * One-to-one sessions (docs/protocol.md §Sessions): PQXDH setup from a
 * verified bundle, then Double Ratchet messages. A thin, typed layer over
 * libsignal's SessionBuilder/SessionCipher functions for one local device.
 *
 * Failures are ParleyCryptoErrors: NO_SESSION, DUPLICATE_MESSAGE (a replay or
 * a re-delivery), INVALID_MESSAGE (tampered or malformed), INVALID_KEY_ID (a
 * PreKey message naming a prekey we no longer hold), FORGED_IDENTITY (the
 * peer presents an identity key its account id does not commit to: refused
 * before any session state changes; see store/identity-policy.ts), INTERNAL
 * (the store failed; safe to retry).
 *
 * Hot path: resolved addresses are cached and the store adapters are shared,
 * so a message costs libsignal's work plus a few property reads.
 */
import {
  CiphertextMessageType,
  type PreKeyBundle,
  PreKeySignalMessage,
  type ProtocolAddress,
  processPreKeyBundle,
  SignalMessage,
  signalDecrypt,
  signalDecryptPreKey,
  signalEncrypt,
} from '@signalapp/libsignal-client';
import { type Bytes, bytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';
import { type SignalStores, signalStoresFor } from '../store/adapters.js';
import type { ProtocolStore } from '../store/protocol-store.js';
import { AddressCache, type DeviceAddress, toProtocolAddress } from './address.js';
import { verifyBundle } from './bundle.js';
import { type ErrorContext, toCryptoError } from './errors-map.js';

/** Matches the relay's envelope types (wire/envelope.ts): 'prekey' starts a session, 'message' continues it. */
export type SignalMessageType = 'prekey' | 'message';

export interface SignalCiphertext {
  readonly type: SignalMessageType;
  readonly body: Bytes;
}

export class SessionCipher {
  readonly localAddress: DeviceAddress;
  readonly #stores: SignalStores;
  readonly #local: ProtocolAddress;
  readonly #addresses = new AddressCache();
  readonly #encryptErrors: ErrorContext;
  readonly #decryptErrors: ErrorContext;
  readonly #bundleErrors: ErrorContext;

  constructor(store: ProtocolStore, localAddress: DeviceAddress) {
    this.#local = toProtocolAddress(localAddress);
    this.localAddress = { accountId: localAddress.accountId, deviceId: localAddress.deviceId };
    this.#stores = signalStoresFor(store);
    this.#encryptErrors = { fallback: CryptoErrorCode.Internal };
    this.#decryptErrors = { fallback: CryptoErrorCode.InvalidMessage };
    this.#bundleErrors = {
      fallback: CryptoErrorCode.InvalidBundle,
      badSignature: CryptoErrorCode.InvalidSignature,
    };
  }

  /**
   * Starts a session (PQXDH) from a bundle as received from the relay, after
   * the checks of `verifyBundle`. Returns the address the session is with.
   * Replaces any current session with that device (the old one is archived).
   */
  async startSession(bundle: unknown, now: Date = new Date()): Promise<DeviceAddress> {
    // libsignal verifies both prekey signatures inside processPreKeyBundle.
    const verified = verifyBundle(bundle, { signatures: false });
    await this.processPreKeyBundle(verified.address, verified.bundle, now);
    return verified.address;
  }

  /**
   * Starts a session from an already built libsignal bundle. Does not check
   * the account id binding (`startSession` does); the identity trust check
   * still applies.
   */
  async processPreKeyBundle(remote: DeviceAddress, bundle: PreKeyBundle, now: Date = new Date()): Promise<void> {
    const address = this.#addresses.get(remote);
    const stores = this.#stores;
    try {
      await processPreKeyBundle(bundle, address, this.#local, stores.session, stores.identity, now);
    } catch (error) {
      throw toCryptoError(error, this.#bundleErrors);
    }
  }

  /** True when a session exists with `remote` that can send now. */
  async hasSession(remote: DeviceAddress): Promise<boolean> {
    const address = this.#addresses.get(remote);
    try {
      const record = await this.#stores.session.getSession(address);
      return record?.hasCurrentState() ?? false;
    } catch (error) {
      throw toCryptoError(error, this.#encryptErrors);
    }
  }

  async encrypt(remote: DeviceAddress, plaintext: Uint8Array): Promise<SignalCiphertext> {
    const address = this.#addresses.get(remote);
    if (!(plaintext instanceof Uint8Array)) {
      throw invalidInput(CryptoErrorCode.InvalidEncoding, 'plaintext must be bytes');
    }
    const stores = this.#stores;
    try {
      const message = await signalEncrypt(bytes(plaintext), address, this.#local, stores.session, stores.identity);
      const type: SignalMessageType = message.type() === CiphertextMessageType.PreKey ? 'prekey' : 'message';
      return { type, body: message.serialize() };
    } catch (error) {
      throw toCryptoError(error, this.#encryptErrors);
    }
  }

  async decrypt(remote: DeviceAddress, message: SignalCiphertext): Promise<Bytes> {
    const address = this.#addresses.get(remote);
    const stores = this.#stores;
    const body = message?.body;
    if (!(body instanceof Uint8Array)) throw invalidInput(CryptoErrorCode.InvalidMessage, 'message body must be bytes');
    try {
      if (message.type === 'message') {
        return await signalDecrypt(
          SignalMessage.deserialize(bytes(body)),
          address,
          this.#local,
          stores.session,
          stores.identity,
        );
      }
      if (message.type === 'prekey') {
        return await signalDecryptPreKey(
          PreKeySignalMessage.deserialize(bytes(body)),
          address,
          this.#local,
          stores.session,
          stores.identity,
          stores.preKey,
          stores.signedPreKey,
          stores.kyberPreKey,
        );
      }
    } catch (error) {
      throw toCryptoError(error, this.#decryptErrors);
    }
    throw invalidInput(CryptoErrorCode.InvalidMessage, 'message type must be "prekey" or "message"');
  }
}
