/**
 * Sealed sender (docs/protocol.md §5, Sealed sender): the relay learns the
 * recipient of a message but not its sender. The certificates are
 * sealed-sender-certificates.ts's; this is one local device's cipher.
 *
 * Opening a sealed message (v1 from a 1:1 send, or a recipient's part of a
 * multi-recipient v2 message, sealed-sender-multi.ts) validates the sender
 * certificate under the trust root at the time the caller gives, then hands
 * back what it carries: a 1:1 message decrypted with the sender's session, or
 * a sender-key message with its group id for GroupCipher to decrypt. A
 * certificate that validates under the trust root yet binds an account id to
 * a key the id does not commit to was signed by the relay itself, and a
 * message carrying it is FORGED_IDENTITY.
 */
import {
  type ProtocolAddress,
  type PublicKey,
  type SenderCertificate,
  sealedSenderDecryptToUsmc,
  sealedSenderEncryptMessage,
  type UnidentifiedSenderMessageContent,
} from '@signalapp/libsignal-client';
import { accountIdMatches, isAccountId } from '../address/account-id.js';
import { type Bytes, bytes, equalBytes, toBase64 } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';
import { type SignalStores, signalStoresFor } from '../store/adapters.js';
import type { ProtocolStore } from '../store/protocol-store.js';
import { AddressCache, type DeviceAddress, toProtocolAddress } from './address.js';
import { type ErrorContext, ForgedIdentityError, toCryptoError } from './errors-map.js';
import { sealedInnerMessage } from './sealed-inner.js';
import {
  certificateError,
  deserializeSenderCertificate,
  trustRootKey,
  validateSenderCertificate,
} from './sealed-sender-certificates.js';
import { type GroupMessage, sealGroupMessage } from './sealed-sender-multi.js';
import { SessionCipher } from './session.js';

/** A sealed 1:1 message, decrypted with the sender's session. */
export interface SealedSessionMessage {
  readonly kind: 'session';
  readonly sender: DeviceAddress;
  readonly plaintext: Bytes;
}

/**
 * A sealed group message: the sender-key message, still encrypted under the
 * sender's chain (GroupCipher.decrypt(sender, ciphertext) opens it), and the
 * group the sender named.
 */
export interface SealedGroupMessage {
  readonly kind: 'group';
  readonly sender: DeviceAddress;
  /** A lowercase UUID; the receiver checks it against the content's group. */
  readonly groupId: string;
  /** The sender's chain it is under. */
  readonly distributionId: string;
  /** The serialized SenderKeyMessage. */
  readonly ciphertext: Bytes;
}

export type SealedMessage = SealedSessionMessage | SealedGroupMessage;

/** A sender's certificate that validated under the trust root (its signatures do not change; its expiry is checked each time). */
interface ValidatedCertificate {
  readonly sender: DeviceAddress;
  readonly expiresAt: number;
}

/** Most validated certificates one cipher remembers (one per sender device); beyond that it starts over. */
const MAX_VALIDATED_CERTIFICATES = 1024;

interface CachedCertificate {
  readonly bytes: Uint8Array;
  readonly certificate: SenderCertificate;
  readonly expiresAt: number;
}

/**
 * Sealed-sender encrypt/decrypt for one local device. Shares the session and
 * sender-key state of SessionCipher and GroupCipher over the same store: a
 * sealed message is an ordinary Signal or sender-key message wrapped in an
 * envelope only its recipients open.
 */
export class SealedSenderCipher {
  readonly localAddress: DeviceAddress;
  readonly #stores: SignalStores;
  readonly #addresses = new AddressCache();
  readonly #trustRoot: PublicKey;
  readonly #errors: ErrorContext;
  readonly #sessions: SessionCipher;
  /** Received certificates already validated, by their bytes: a sender's next messages cost no signature checks. */
  readonly #validated = new Map<string, ValidatedCertificate>();
  #certificate: CachedCertificate | undefined;

  constructor(store: ProtocolStore, localAddress: DeviceAddress, trustRoot: Uint8Array) {
    toProtocolAddress(localAddress);
    this.localAddress = { accountId: localAddress.accountId, deviceId: localAddress.deviceId };
    this.#stores = signalStoresFor(store);
    this.#trustRoot = trustRootKey(trustRoot);
    this.#errors = { fallback: CryptoErrorCode.InvalidMessage };
    this.#sessions = new SessionCipher(store, this.localAddress);
  }

  /**
   * Checks our own certificate fully once per distinct certificate (ours,
   * under the trust root, unexpired) and afterwards only its expiry, so
   * sending costs no signature verifications.
   */
  async #ownCertificate(certificate: Uint8Array, now: number): Promise<SenderCertificate> {
    let cached = this.#certificate;
    if (cached === undefined || !equalBytes(cached.bytes, certificate)) {
      const info = validateSenderCertificate(certificate, this.#trustRoot.serialize(), now);
      const local = this.localAddress;
      if (info.sender.accountId !== local.accountId || info.sender.deviceId !== local.deviceId) {
        throw certificateError('sender certificate is for another device');
      }
      let ownKey: Bytes;
      try {
        ownKey = (await this.#stores.identity.getIdentityKeyPair()).publicKey.serialize();
      } catch (error) {
        throw toCryptoError(error, { fallback: CryptoErrorCode.Internal });
      }
      if (!equalBytes(ownKey, info.identityKey)) {
        throw certificateError('sender certificate is for another identity key');
      }
      cached = {
        // A copy, so a caller reusing its buffer cannot swap the checked certificate.
        bytes: certificate.slice(),
        certificate: deserializeSenderCertificate(certificate),
        expiresAt: info.expiresAt,
      };
      this.#certificate = cached;
    }
    if (now > cached.expiresAt) throw certificateError('sender certificate has expired');
    return cached.certificate;
  }

  /** Encrypts for `remote` (which must have a session) and seals it with our sender certificate. */
  async encrypt(
    remote: DeviceAddress,
    plaintext: Uint8Array,
    senderCertificate: Uint8Array,
    now: number = Date.now(),
  ): Promise<Bytes> {
    const address: ProtocolAddress = this.#addresses.get(remote);
    if (!(plaintext instanceof Uint8Array)) {
      throw invalidInput(CryptoErrorCode.InvalidEncoding, 'plaintext must be bytes');
    }
    const certificate = await this.#ownCertificate(senderCertificate, now);
    const stores = this.#stores;
    try {
      return await sealedSenderEncryptMessage(bytes(plaintext), address, certificate, stores.session, stores.identity);
    } catch (error) {
      throw toCryptoError(error, { ...this.#errors, fallback: CryptoErrorCode.Internal });
    }
  }

  /**
   * Encrypts a group message once under our chain and seals it for all its
   * recipient devices (multi-recipient sealed sender, sealed-sender-multi.ts):
   * the payload of one POST /v1/messages/multi-recipient. Throws
   * INVALID_ENCODING for a malformed request (no recipient, one named twice,
   * this device, a group or distribution id that is no lowercase UUID),
   * NO_SENDER_KEY before our chain for the distribution id exists,
   * NO_SESSION when a recipient device has no session, and our certificate's
   * INVALID_CERTIFICATE.
   */
  async encryptForGroup(
    message: GroupMessage,
    senderCertificate: Uint8Array,
    now: number = Date.now(),
  ): Promise<Bytes> {
    const certificate = await this.#ownCertificate(senderCertificate, now);
    return sealGroupMessage(this.#stores, this.localAddress, certificate, message);
  }

  /**
   * Who a sealed message claims to come from, read from its outer layer only:
   * the sender certificate, validated against the trust root at `now`. It
   * proves nothing about the inner message (which may not open), so it only
   * serves to ask that sender for a fresh session when the inner message
   * failed. Throws INVALID_MESSAGE when the outer layer does not open and
   * INVALID_CERTIFICATE when the certificate does not validate.
   */
  async certifiedSender(ciphertext: Uint8Array, now: number = Date.now()): Promise<DeviceAddress> {
    if (!(ciphertext instanceof Uint8Array))
      throw invalidInput(CryptoErrorCode.InvalidMessage, 'ciphertext must be bytes');
    let certificate: Bytes;
    try {
      const outer = await sealedSenderDecryptToUsmc(bytes(ciphertext), this.#stores.identity);
      certificate = outer.senderCertificate().serialize();
    } catch (error) {
      throw toCryptoError(error, this.#errors);
    }
    return validateSenderCertificate(certificate, this.#trustRoot.serialize(), now).sender;
  }

  /**
   * Opens a sealed message (v1, or one recipient's part of a v2 message):
   * validates the sender certificate against the trust root at `now` and
   * returns who sent it with what it carries, a 1:1 message decrypted with
   * the sender's session or a group message for GroupCipher. Throws
   * INVALID_MESSAGE when it does not open (not for us, tampered, another
   * message type, sealed by this very device), INVALID_CERTIFICATE when the
   * certificate does not validate, FORGED_IDENTITY (ForgedIdentityError,
   * naming the account) when it validates for a key the account id does not
   * commit to, whatever the inner message is; and the session's failures.
   */
  async decrypt(ciphertext: Uint8Array, now: number = Date.now()): Promise<SealedMessage> {
    if (!(ciphertext instanceof Uint8Array))
      throw invalidInput(CryptoErrorCode.InvalidMessage, 'ciphertext must be bytes');
    let content: UnidentifiedSenderMessageContent;
    try {
      // Also checks that the key that sealed it is the certificate's key.
      content = await sealedSenderDecryptToUsmc(bytes(ciphertext), this.#stores.identity);
    } catch (error) {
      throw toCryptoError(error, this.#errors);
    }
    const sender = this.#certifiedSenderOf(content.senderCertificate(), now);
    const inner = sealedInnerMessage(content);
    if (inner.type === 'sender-key') {
      const { groupId, distributionId, body } = inner;
      return { kind: 'group', sender, groupId, distributionId, ciphertext: body };
    }
    // The identity store checks the inner message's key as well (store/identity-policy.ts).
    return { kind: 'session', sender, plaintext: await this.#sessions.decrypt(sender, inner) };
  }

  /** The sender a certificate vouches for at `now`: validated, committed to its key, not this device. */
  #certifiedSenderOf(certificate: SenderCertificate, now: number): DeviceAddress {
    const bytesKey = toBase64(certificate.serialize());
    let known = this.#validated.get(bytesKey);
    if (known === undefined) {
      known = this.#validate(certificate, now);
      if (this.#validated.size >= MAX_VALIDATED_CERTIFICATES) this.#validated.clear();
      this.#validated.set(bytesKey, known);
    }
    if (now > known.expiresAt) throw certificateError('sender certificate has expired');
    const { sender } = known;
    if (sender.accountId === this.localAddress.accountId && sender.deviceId === this.localAddress.deviceId) {
      throw invalidInput(CryptoErrorCode.InvalidMessage, 'a sealed message from this device itself');
    }
    return sender;
  }

  /** Checks a certificate not seen before: its signatures under the trust root at `now`, and its key. */
  #validate(certificate: SenderCertificate, now: number): ValidatedCertificate {
    let valid: boolean;
    try {
      valid = certificate.validate(this.#trustRoot, now);
    } catch (error) {
      throw certificateError('sender certificate cannot be validated', error);
    }
    if (!valid) throw certificateError('sender certificate is expired or not signed under the trust root');
    const accountId = certificate.senderUuid();
    if (!isAccountId(accountId)) throw certificateError('sender certificate does not name a Parley account');
    if (!accountIdMatches(accountId, certificate.key().serialize())) {
      throw new ForgedIdentityError(
        `the relay certified a key for ${accountId} that its account id does not commit to`,
        new Error('forged sender certificate'),
        accountId,
      );
    }
    return { sender: { accountId, deviceId: certificate.senderDeviceId() }, expiresAt: certificate.expiration() };
  }
}
