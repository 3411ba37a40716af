/**
 * Prekey bundles between wire and libsignal (docs/protocol.md §Bundles).
 *
 * `bundleFromWire` is where a peer's keys enter the client, so everything is
 * checked here, before libsignal sees the bundle, in this order:
 *   1. shape (wire schema)                         -> INVALID_BUNDLE
 *   2. the account id commits to the identity key  -> ACCOUNT_ID_MISMATCH
 *   3. keys parse as Curve25519 / Kyber keys       -> INVALID_ENCODING
 *   4. signed-prekey and Kyber-prekey signatures
 *      verify under the identity key               -> INVALID_SIGNATURE
 * Step 2 is what makes a relay that hands out someone else's keys for an
 * account id fail at once.
 */
import { KEMPublicKey, PreKeyBundle, PublicKey } from '@signalapp/libsignal-client';
import { type AccountId, assertAccountIdMatches } from '../address/account-id.js';
import { type Bytes, fromBase64, toBase64 } from '../encoding.js';
import { CryptoErrorCode, invalidInput, ParleyCryptoError } from '../errors.js';
import { type PreKeyBundleWire, preKeyBundleSchema } from '../wire/keys.js';
import type { DeviceAddress } from './address.js';
import { mapSignalErrors } from './errors-map.js';

/** A bundle checked by `bundleFromWire`, with the address it belongs to. */
export interface VerifiedBundle {
  readonly address: DeviceAddress;
  readonly bundle: PreKeyBundle;
}

function publicKey(field: string, encoded: Bytes): PublicKey {
  try {
    return PublicKey.deserialize(encoded);
  } catch (error) {
    throw new ParleyCryptoError(CryptoErrorCode.InvalidEncoding, `bundle ${field} is not a public key`, error);
  }
}

function kemPublicKey(field: string, encoded: Bytes): KEMPublicKey {
  try {
    return KEMPublicKey.deserialize(encoded);
  } catch (error) {
    throw new ParleyCryptoError(CryptoErrorCode.InvalidEncoding, `bundle ${field} is not a Kyber public key`, error);
  }
}

function assertSigned(identityKey: PublicKey, field: string, signed: Bytes, signature: Bytes): void {
  // libsignal signs and verifies the serialized key; the schema fixed its
  // length and deserialization its type byte, so the wire bytes are exactly that.
  if (!identityKey.verify(signed, signature)) {
    throw invalidInput(CryptoErrorCode.InvalidSignature, `bundle ${field} signature does not verify`);
  }
}

/**
 * Checks a bundle as received from the relay and builds libsignal's
 * PreKeyBundle from it. `signatures: false` skips step 4 for the one caller
 * that hands the bundle straight to libsignal's processPreKeyBundle, which
 * verifies both signatures itself (its failure is mapped to INVALID_SIGNATURE
 * there): doing it twice cost ~15% of a whole session setup.
 */
export function verifyBundle(input: unknown, options: { signatures: boolean } = { signatures: true }): VerifiedBundle {
  const parsed = preKeyBundleSchema.safeParse(input);
  if (!parsed.success) {
    throw new ParleyCryptoError(CryptoErrorCode.InvalidBundle, 'prekey bundle does not match its schema', parsed.error);
  }
  const wire = parsed.data;
  const identityKeyBytes = fromBase64(wire.identityKey);
  assertAccountIdMatches(wire.accountId, identityKeyBytes);
  const identityKey = publicKey('identity key', identityKeyBytes);
  const signedPreKeyBytes = fromBase64(wire.signedPreKey.publicKey);
  const signedPreKey = publicKey('signed prekey', signedPreKeyBytes);
  const preKey = wire.preKey === null ? null : publicKey('one-time prekey', fromBase64(wire.preKey.publicKey));
  const kyberPreKeyBytes = fromBase64(wire.kyberPreKey.publicKey);
  const kyberPreKey = kemPublicKey('Kyber prekey', kyberPreKeyBytes);
  const signedPreKeySignature = fromBase64(wire.signedPreKey.signature);
  const kyberPreKeySignature = fromBase64(wire.kyberPreKey.signature);
  if (options.signatures) {
    assertSigned(identityKey, 'signed prekey', signedPreKeyBytes, signedPreKeySignature);
    assertSigned(identityKey, 'Kyber prekey', kyberPreKeyBytes, kyberPreKeySignature);
  }
  const bundle = mapSignalErrors({ fallback: CryptoErrorCode.InvalidBundle }, () =>
    PreKeyBundle.new(
      wire.registrationId,
      wire.deviceId,
      wire.preKey === null ? null : wire.preKey.keyId,
      preKey,
      wire.signedPreKey.keyId,
      signedPreKey,
      signedPreKeySignature,
      identityKey,
      wire.kyberPreKey.keyId,
      kyberPreKey,
      kyberPreKeySignature,
    ),
  );
  return { address: { accountId: wire.accountId, deviceId: wire.deviceId }, bundle };
}

/** libsignal PreKeyBundle from the wire form, checked as described above. */
export function bundleFromWire(input: unknown): PreKeyBundle {
  return verifyBundle(input).bundle;
}

/** Wire form of a libsignal PreKeyBundle (what the relay serves; used by the relay and tests). */
export function bundleToWire(accountId: AccountId, bundle: PreKeyBundle): PreKeyBundleWire {
  const preKeyId = bundle.preKeyId();
  const preKeyPublic = bundle.preKeyPublic();
  return {
    accountId,
    deviceId: bundle.deviceId(),
    registrationId: bundle.registrationId(),
    identityKey: toBase64(bundle.identityKey().serialize()),
    signedPreKey: {
      keyId: bundle.signedPreKeyId(),
      publicKey: toBase64(bundle.signedPreKeyPublic().serialize()),
      signature: toBase64(bundle.signedPreKeySignature()),
    },
    preKey:
      preKeyId === null || preKeyPublic === null
        ? null
        : { keyId: preKeyId, publicKey: toBase64(preKeyPublic.serialize()) },
    kyberPreKey: {
      keyId: bundle.kyberPreKeyId(),
      publicKey: toBase64(bundle.kyberPreKeyPublic().serialize()),
      signature: toBase64(bundle.kyberPreKeySignature()),
    },
  };
}
