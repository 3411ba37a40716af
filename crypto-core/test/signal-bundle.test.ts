import { PreKeyBundle } from '@signalapp/libsignal-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';
import { bundleFromWire, bundleToWire, verifyBundle } from '../src/signal/bundle.js';
import { generateIdentity } from '../src/signal/identity.js';
import { generateKyberPreKeys, generateSignedPreKey } from '../src/signal/prekeys.js';
import type { PreKeyBundleWire } from '../src/wire/keys.js';
import { createTestDevice, type TestDevice } from './support/test-devices.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return ParleyCryptoError.is(error) ? error.code : `not a ParleyCryptoError: ${String(error)}`;
  }
  return undefined;
}

function flipLastByte(base64: string): string {
  const decoded = fromBase64(base64);
  decoded[decoded.length - 1] = (decoded[decoded.length - 1] ?? 0) ^ 0x01;
  return toBase64(decoded);
}

describe('bundleFromWire', () => {
  let bob: TestDevice;
  let valid: PreKeyBundleWire;
  beforeAll(async () => {
    bob = await createTestDevice({ preKeys: 4, kyberPreKeys: 4 });
    valid = bob.nextBundle();
  });

  it('accepts a well-formed bundle and keeps every field', () => {
    const verified = verifyBundle(valid);
    expect(verified.address).toEqual(bob.address);
    const bundle = bundleFromWire(valid);
    expect(bundle).toBeInstanceOf(PreKeyBundle);
    expect(bundle.registrationId()).toBe(bob.identity.registrationId);
    expect(bundle.identityKey().serialize()).toEqual(bob.identity.identityKey);
    expect(bundle.preKeyId()).toBe(valid.preKey?.keyId);
    expect(bundleToWire(bob.identity.accountId, bundle)).toEqual(valid);
  });

  it('accepts a bundle without a one-time EC prekey (the relay ran out)', () => {
    const withoutPreKey = { ...valid, preKey: null };
    expect(bundleFromWire(withoutPreKey).preKeyId()).toBeNull();
    expect(bundleToWire(bob.identity.accountId, bundleFromWire(withoutPreKey))).toEqual(withoutPreKey);
  });

  it('rejects a bad signed-prekey signature', () => {
    const bad = {
      ...valid,
      signedPreKey: { ...valid.signedPreKey, signature: flipLastByte(valid.signedPreKey.signature) },
    };
    expect(codeOf(() => bundleFromWire(bad))).toBe(CryptoErrorCode.InvalidSignature);
  });

  it('rejects a signed prekey signed by another identity', () => {
    const other = generateSignedPreKey(generateIdentity(), valid.signedPreKey.keyId);
    expect(codeOf(() => bundleFromWire({ ...valid, signedPreKey: other.wire }))).toBe(CryptoErrorCode.InvalidSignature);
  });

  it('rejects a bad Kyber prekey signature', () => {
    const bad = {
      ...valid,
      kyberPreKey: { ...valid.kyberPreKey, signature: flipLastByte(valid.kyberPreKey.signature) },
    };
    expect(codeOf(() => bundleFromWire(bad))).toBe(CryptoErrorCode.InvalidSignature);
    const foreign = generateKyberPreKeys(generateIdentity(), 1, 1).keys[0];
    if (foreign === undefined) throw new Error('no key');
    expect(codeOf(() => bundleFromWire({ ...valid, kyberPreKey: foreign.wire }))).toBe(
      CryptoErrorCode.InvalidSignature,
    );
  });

  it('refuses an account id that does not commit to the identity key', () => {
    const mallory = generateIdentity();
    expect(codeOf(() => bundleFromWire({ ...valid, accountId: mallory.accountId }))).toBe(
      CryptoErrorCode.AccountIdMismatch,
    );
    // A relay swapping in its own (validly self-signed) keys under Bob's id is caught the same way.
    expect(codeOf(() => bundleFromWire({ ...valid, identityKey: toBase64(mallory.identityKey) }))).toBe(
      CryptoErrorCode.AccountIdMismatch,
    );
  });

  it('reports malformed input as INVALID_BUNDLE or INVALID_ENCODING, never a crash', () => {
    expect(codeOf(() => bundleFromWire(null))).toBe(CryptoErrorCode.InvalidBundle);
    expect(codeOf(() => bundleFromWire('bundle'))).toBe(CryptoErrorCode.InvalidBundle);
    expect(codeOf(() => bundleFromWire({ ...valid, deviceId: 0 }))).toBe(CryptoErrorCode.InvalidBundle);
    expect(codeOf(() => bundleFromWire({ ...valid, registrationId: 0x4000 }))).toBe(CryptoErrorCode.InvalidBundle);
    expect(codeOf(() => bundleFromWire({ ...valid, extra: 1 }))).toBe(CryptoErrorCode.InvalidBundle);
    expect(codeOf(() => bundleFromWire({ ...valid, identityKey: `${valid.identityKey.slice(0, -4)}====` }))).toBe(
      CryptoErrorCode.InvalidBundle,
    );
    // Right length, wrong key type byte.
    const badType = fromBase64(valid.signedPreKey.publicKey);
    badType[0] = 0x07;
    expect(
      codeOf(() => bundleFromWire({ ...valid, signedPreKey: { ...valid.signedPreKey, publicKey: toBase64(badType) } })),
    ).toBe(CryptoErrorCode.InvalidEncoding);
    const badKyber = fromBase64(valid.kyberPreKey.publicKey);
    badKyber[0] = 0x01;
    expect(
      codeOf(() => bundleFromWire({ ...valid, kyberPreKey: { ...valid.kyberPreKey, publicKey: toBase64(badKyber) } })),
    ).toBe(CryptoErrorCode.InvalidEncoding);
  });
});
