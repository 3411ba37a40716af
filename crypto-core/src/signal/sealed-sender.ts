/**
 * Sealed sender (docs/protocol.md §Sealed sender): the relay learns the
 * recipient of a message but not its sender.
 *
 * Certificates: the relay operator holds a trust root key pair (offline if
 * they like), issues a server certificate for the relay's signing key under
 * it, and the relay issues short-lived sender certificates binding
 * (account id, device id, identity key) to an expiry. Clients know the trust
 * root's public key and validate certificates against it at a time the caller
 * gives: the relay's clock, not the local one (a receiver passes the
 * envelope's server timestamp, as Signal does; a sender its estimate of the
 * relay's time), so a client whose clock is off still sends and receives.
 * Every certificate failure (expired, forged signature, other root, sender
 * key not matching the account id) is INVALID_CERTIFICATE, except one: a
 * certificate that validates under the trust root yet binds an account id to
 * a key the id does not commit to was signed by the relay itself, and a
 * message carrying it is FORGED_IDENTITY.
 *
 * All transported forms are libsignal's serializations (bytes).
 */
import {
  PrivateKey,
  type ProtocolAddress,
  PublicKey,
  SenderCertificate,
  ServerCertificate,
  sealedSenderDecryptMessage,
  sealedSenderDecryptToUsmc,
  sealedSenderEncryptMessage,
} from '@signalapp/libsignal-client';
import { accountIdMatches, assertAccountIdMatches, isAccountId } from '../address/account-id.js';
import { type Bytes, bytes, equalBytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput, ParleyCryptoError } from '../errors.js';
import { type SignalStores, signalStoresFor } from '../store/adapters.js';
import type { ProtocolStore } from '../store/protocol-store.js';
import { MAX_ENVELOPE_TTL_MS } from '../wire/envelope.js';
import { AddressCache, assertDeviceAddress, type DeviceAddress, toProtocolAddress } from './address.js';
import { type ErrorContext, ForgedIdentityError, toCryptoError } from './errors-map.js';

export interface KeyPairBytes {
  /** 33-byte serialized public key. */
  readonly publicKey: Bytes;
  /** 32-byte serialized private key. */
  readonly privateKey: Bytes;
}

export interface IssuedServerCertificate {
  readonly keyId: number;
  /** Serialized ServerCertificate: the server key signed by the trust root. */
  readonly certificate: Bytes;
  /** The server's private signing key (stays on the relay). */
  readonly privateKey: Bytes;
}

export interface SenderCertificateRequest {
  readonly sender: DeviceAddress;
  /** The sender's 33-byte identity key; must be the key its account id commits to. */
  readonly identityKey: Uint8Array;
  /** Expiry, ms since epoch. */
  readonly expiresAt: number;
  readonly serverCertificate: Uint8Array;
  readonly serverPrivateKey: Uint8Array;
}

export interface SenderCertificateInfo {
  readonly sender: DeviceAddress;
  readonly identityKey: Bytes;
  readonly expiresAt: number;
  readonly serverKeyId: number;
}

export interface SealedMessage {
  readonly sender: DeviceAddress;
  readonly plaintext: Bytes;
}

function certificateError(message: string, cause?: unknown): ParleyCryptoError {
  return new ParleyCryptoError(CryptoErrorCode.InvalidCertificate, message, cause ?? new Error(message));
}

function parseKey<K>(what: string, parse: () => K): K {
  try {
    return parse();
  } catch (error) {
    throw new ParleyCryptoError(CryptoErrorCode.InvalidEncoding, `not a serialized ${what}`, error);
  }
}

function trustRootKey(trustRoot: Uint8Array): PublicKey {
  return parseKey('trust root public key', () => PublicKey.deserialize(bytes(trustRoot)));
}

/** A new trust root key pair for a relay deployment. */
export function generateTrustRoot(): KeyPairBytes {
  const privateKey = PrivateKey.generate();
  return { publicKey: privateKey.getPublicKey().serialize(), privateKey: privateKey.serialize() };
}

/** A fresh relay signing key and its certificate under the trust root. */
export function issueServerCertificate(trustRootPrivateKey: Uint8Array, keyId: number): IssuedServerCertificate {
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > 0xffffffff) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'server key id must be a 32-bit unsigned integer');
  }
  const root = parseKey('trust root private key', () => PrivateKey.deserialize(bytes(trustRootPrivateKey)));
  const serverKey = PrivateKey.generate();
  const certificate = ServerCertificate.new(keyId, serverKey.getPublicKey(), root);
  return { keyId, certificate: certificate.serialize(), privateKey: serverKey.serialize() };
}

/** A sender certificate (the relay issues these to authenticated devices). */
export function issueSenderCertificate(request: SenderCertificateRequest): Bytes {
  assertDeviceAddress(request.sender);
  // Certify only the key the account id commits to, so a certificate can never
  // lend an account id to another key.
  assertAccountIdMatches(request.sender.accountId, request.identityKey);
  if (!Number.isSafeInteger(request.expiresAt) || request.expiresAt < 0) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'expiry must be a timestamp in ms');
  }
  const identityKey = parseKey('identity key', () => PublicKey.deserialize(bytes(request.identityKey)));
  const serverCertificate = parseKey('server certificate', () =>
    ServerCertificate.deserialize(bytes(request.serverCertificate)),
  );
  const serverKey = parseKey('server private key', () => PrivateKey.deserialize(bytes(request.serverPrivateKey)));
  if (!serverCertificate.key().equals(serverKey.getPublicKey())) {
    throw invalidInput(CryptoErrorCode.InvalidCertificate, 'server private key does not match the server certificate');
  }
  return SenderCertificate.new(
    request.sender.accountId,
    null,
    request.sender.deviceId,
    identityKey,
    request.expiresAt,
    serverCertificate,
    serverKey,
  ).serialize();
}

function deserializeSenderCertificate(certificate: Uint8Array): SenderCertificate {
  if (!(certificate instanceof Uint8Array)) throw certificateError('sender certificate must be bytes');
  try {
    return SenderCertificate.deserialize(bytes(certificate));
  } catch (error) {
    throw certificateError('not a sender certificate', error);
  }
}

function describeCertificate(certificate: SenderCertificate): SenderCertificateInfo {
  const accountId = certificate.senderUuid();
  const deviceId = certificate.senderDeviceId();
  const identityKey = certificate.key().serialize();
  if (!isAccountId(accountId) || !Number.isInteger(deviceId) || deviceId < 1 || deviceId > 127) {
    throw certificateError('sender certificate does not name a Parley device');
  }
  if (!accountIdMatches(accountId, identityKey)) {
    throw certificateError('sender certificate key is not the key its account id commits to');
  }
  return {
    sender: { accountId, deviceId },
    identityKey,
    expiresAt: certificate.expiration(),
    serverKeyId: certificate.serverCertificate().keyId(),
  };
}

/** What a sender certificate says, without validating its signatures (see validateSenderCertificate). */
export function readSenderCertificate(certificate: Uint8Array): SenderCertificateInfo {
  const parsed = deserializeSenderCertificate(certificate);
  try {
    return describeCertificate(parsed);
  } catch (error) {
    throw ParleyCryptoError.is(error) ? error : certificateError('unreadable sender certificate', error);
  }
}

/** Validates a sender certificate against the trust root at `now`; throws INVALID_CERTIFICATE. */
export function validateSenderCertificate(
  certificate: Uint8Array,
  trustRoot: Uint8Array,
  now: number = Date.now(),
): SenderCertificateInfo {
  const root = trustRootKey(trustRoot);
  const parsed = deserializeSenderCertificate(certificate);
  let valid: boolean;
  try {
    valid = parsed.validate(root, now);
  } catch (error) {
    throw certificateError('sender certificate cannot be validated', error);
  }
  if (!valid) throw certificateError('sender certificate is expired or not signed under the trust root');
  return readSenderCertificate(certificate);
}

/**
 * The time at which a received sealed envelope's sender certificate is
 * judged: when the relay accepted the envelope (its `serverTimestamp`), as
 * Signal does, so neither a receiver's wrong clock nor a long time offline
 * turns a valid message into an undecryptable one. The relay that stamps the
 * envelope is the one that signs certificates, so trusting its stamp gives it
 * nothing it lacks. Bound: never earlier than MAX_ENVELOPE_TTL_MS before the
 * receiver's clock (no envelope legitimately waits longer), so an expired
 * certificate cannot be revived by an arbitrarily old stamp.
 */
export function certificateValidationTime(serverTimestamp: number, receiverNow: number): number {
  return Math.max(serverTimestamp, receiverNow - MAX_ENVELOPE_TTL_MS);
}

interface CachedCertificate {
  readonly bytes: Uint8Array;
  readonly certificate: SenderCertificate;
  readonly expiresAt: number;
}

/**
 * Sealed-sender encrypt/decrypt for one local device. Shares the session
 * state of a SessionCipher over the same store: a sealed message is an
 * ordinary Signal message wrapped in an envelope only the recipient opens.
 */
export class SealedSenderCipher {
  readonly localAddress: DeviceAddress;
  readonly #stores: SignalStores;
  readonly #addresses = new AddressCache();
  readonly #trustRoot: PublicKey;
  readonly #errors: ErrorContext;
  #certificate: CachedCertificate | undefined;

  constructor(store: ProtocolStore, localAddress: DeviceAddress, trustRoot: Uint8Array) {
    toProtocolAddress(localAddress);
    this.localAddress = { accountId: localAddress.accountId, deviceId: localAddress.deviceId };
    this.#stores = signalStoresFor(store);
    this.#trustRoot = trustRootKey(trustRoot);
    this.#errors = { fallback: CryptoErrorCode.InvalidMessage };
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
   * Opens a sealed message: validates the sender certificate against the trust
   * root at `now`, decrypts the inner message with the sender's session, and
   * returns who sent it. A certificate the relay signed for a key the named
   * account id does not commit to is FORGED_IDENTITY (ForgedIdentityError,
   * naming that account), whatever the inner message is.
   */
  async decrypt(ciphertext: Uint8Array, now: number = Date.now()): Promise<SealedMessage> {
    if (!(ciphertext instanceof Uint8Array))
      throw invalidInput(CryptoErrorCode.InvalidMessage, 'ciphertext must be bytes');
    const stores = this.#stores;
    try {
      const result = await sealedSenderDecryptMessage(
        bytes(ciphertext),
        this.#trustRoot,
        now,
        null,
        this.localAddress.accountId,
        this.localAddress.deviceId,
        stores.session,
        stores.identity,
        stores.preKey,
        stores.signedPreKey,
        stores.kyberPreKey,
      );
      // libsignal has checked the certificate against the trust root at `now`
      // and that the sealing key is the certificate's key; that this key is
      // the one the sender's account id commits to is the identity store's
      // check on the inner message (store/identity-policy.ts).
      const accountId = result.senderUuid();
      if (!isAccountId(accountId)) throw certificateError('sender certificate does not name a Parley account');
      return { sender: { accountId, deviceId: result.deviceId() }, plaintext: result.message() };
    } catch (error) {
      const mapped = toCryptoError(error, this.#errors);
      if (ParleyCryptoError.is(mapped, CryptoErrorCode.ForgedIdentity)) throw mapped;
      // An inner message that is not a PreKey message never reaches the
      // identity check (it fails on the real sender's session instead), so a
      // forged certificate is looked for explicitly, on failures only.
      throw (await this.#forgedCertificate(ciphertext, now)) ?? mapped;
    }
  }

  /**
   * A ForgedIdentityError when the outer layer opens and carries a certificate
   * that is signed under the trust root (valid at `now`) for an account id
   * that does not commit to the certificate's key; null otherwise. Without a
   * valid signature it is no relay's doing (a sender can put any bytes in
   * there), and stays the failure it was.
   */
  async #forgedCertificate(ciphertext: Uint8Array, now: number): Promise<ForgedIdentityError | null> {
    try {
      const outer = await sealedSenderDecryptToUsmc(bytes(ciphertext), this.#stores.identity);
      const certificate = outer.senderCertificate();
      const accountId = certificate.senderUuid();
      if (!isAccountId(accountId) || !certificate.validate(this.#trustRoot, now)) return null;
      if (accountIdMatches(accountId, certificate.key().serialize())) return null;
      return new ForgedIdentityError(
        `the relay certified a key for ${accountId} that its account id does not commit to`,
        new Error('forged sender certificate'),
        accountId,
      );
    } catch {
      return null;
    }
  }
}
