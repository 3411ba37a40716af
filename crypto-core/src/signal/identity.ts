/**
 * Local identity: one Curve25519 identity key pair (the account) and a Signal
 * registration id (per install). The account id is derived from the public
 * key (address/account-id.ts), so it is never stored separately from it.
 */
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { type AccountId, accountIdFromIdentityKey } from '../address/account-id.js';
import { type Bytes, bytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput, ParleyCryptoError } from '../errors.js';
import type { LocalIdentityRecord } from '../store/protocol-store.js';

export const MAX_REGISTRATION_ID = 0x3fff;

/** A local identity in its serialized form, with what derives from it. Holds the private key. */
export interface LocalIdentity extends LocalIdentityRecord {
  readonly accountId: AccountId;
  /** 33-byte serialized identity public key (what peers and the relay see). */
  readonly identityKey: Bytes;
}

/** A uniformly random registration id in 1..0x3FFF. */
export function generateRegistrationId(): number {
  const draw = new Uint16Array(1);
  for (;;) {
    crypto.getRandomValues(draw);
    // 0x3FFF + 1 divides 2^16, so masking keeps the draw uniform; 0 is not allowed.
    const id = (draw[0] ?? 0) & MAX_REGISTRATION_ID;
    if (id !== 0) return id;
  }
}

function describe(keyPair: IdentityKeyPair, registrationId: number): LocalIdentity {
  const identityKey = keyPair.publicKey.serialize();
  return {
    accountId: accountIdFromIdentityKey(identityKey),
    identityKey,
    identityKeyPair: keyPair.serialize(),
    registrationId,
  };
}

/** A fresh identity: new key pair (the account) and new registration id. */
export function generateIdentity(): LocalIdentity {
  return describe(IdentityKeyPair.generate(), generateRegistrationId());
}

/** Reads a stored identity back, checking it (INVALID_ENCODING when it is not one). */
export function loadIdentity(record: LocalIdentityRecord): LocalIdentity {
  const { registrationId } = record;
  if (!Number.isInteger(registrationId) || registrationId < 1 || registrationId > MAX_REGISTRATION_ID) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'registration id must be in 1..0x3FFF');
  }
  let keyPair: IdentityKeyPair;
  try {
    keyPair = IdentityKeyPair.deserialize(bytes(record.identityKeyPair));
  } catch (error) {
    throw new ParleyCryptoError(CryptoErrorCode.InvalidEncoding, 'not a serialized identity key pair', error);
  }
  return describe(keyPair, registrationId);
}

/** The libsignal key pair of a stored identity (for signing prekeys). */
export function identityKeyPairOf(identity: LocalIdentityRecord): IdentityKeyPair {
  try {
    return IdentityKeyPair.deserialize(bytes(identity.identityKeyPair));
  } catch (error) {
    throw new ParleyCryptoError(CryptoErrorCode.InvalidEncoding, 'not a serialized identity key pair', error);
  }
}
