/**
 * Sealed-sender certificates (docs/protocol.md §5, Sealed sender): the relay
 * operator holds a trust root key pair (offline if they like), issues a server
 * certificate for the relay's signing key under it, and the relay issues
 * short-lived sender certificates binding (account id, device id, identity
 * key) to an expiry. Clients know the trust root's public key and validate
 * certificates against it at a time the caller gives: the relay's clock, not
 * the local one (a receiver passes the envelope's server timestamp, as Signal
 * does; a sender its estimate of the relay's time), so a client whose clock
 * is off still sends and receives. Every certificate failure (expired, forged
 * signature, other root, sender key not matching the account id) is
 * INVALID_CERTIFICATE.
 *
 * All transported forms are libsignal's serializations (bytes).
 */
import { PrivateKey, PublicKey, SenderCertificate, ServerCertificate } from '@signalapp/libsignal-client';
import { accountIdMatches, assertAccountIdMatches, isAccountId } from '../address/account-id.js';
import { type Bytes, bytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput, ParleyCryptoError } from '../errors.js';
import { MAX_ENVELOPE_TTL_MS } from '../wire/envelope.js';
import { assertDeviceAddress, type DeviceAddress } from './address.js';
import { parseSerialized } from './errors-map.js';

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

export function certificateError(message: string, cause?: unknown): ParleyCryptoError {
  return new ParleyCryptoError(CryptoErrorCode.InvalidCertificate, message, cause ?? new Error(message));
}

export function trustRootKey(trustRoot: Uint8Array): PublicKey {
  return parseSerialized('trust root public key', () => PublicKey.deserialize(bytes(trustRoot)));
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
  const root = parseSerialized('trust root private key', () => PrivateKey.deserialize(bytes(trustRootPrivateKey)));
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
  const identityKey = parseSerialized('identity key', () => PublicKey.deserialize(bytes(request.identityKey)));
  const serverCertificate = parseSerialized('server certificate', () =>
    ServerCertificate.deserialize(bytes(request.serverCertificate)),
  );
  const serverKey = parseSerialized('server private key', () =>
    PrivateKey.deserialize(bytes(request.serverPrivateKey)),
  );
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

export function deserializeSenderCertificate(certificate: Uint8Array): SenderCertificate {
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
