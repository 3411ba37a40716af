import { IdentityKeyPair, KyberPreKeyRecord, PublicKey } from '@signalapp/libsignal-client';
import { describe, expect, it } from 'vitest';
import { accountIdFromIdentityKey, isAccountId } from '../src/address/account-id.js';
import { fromBase64 } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';
import { generateIdentity, generateRegistrationId, loadIdentity, MAX_REGISTRATION_ID } from '../src/signal/identity.js';
import {
  generateKyberPreKeys,
  generateLastResortKyberPreKey,
  generateOneTimePreKeys,
  generateSignedPreKey,
  kyberPreKeyToWire,
  nextPreKeyId,
  oneTimePreKeyToWire,
  preKeyUpload,
  randomPreKeyId,
  signedPreKeyToWire,
  storeGeneratedPreKeys,
} from '../src/signal/prekeys.js';
import { MemoryProtocolStore } from '../src/store/memory-store.js';
import { kyberPreKeySchema, preKeyUploadSchema, signedPreKeySchema } from '../src/wire/keys.js';
import { MAX_PREKEY_ID } from '../src/wire/primitives.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return ParleyCryptoError.is(error) ? error.code : `not a ParleyCryptoError: ${String(error)}`;
  }
  return undefined;
}

describe('identity', () => {
  it('generates an identity whose account id commits to its public key', () => {
    const identity = generateIdentity();
    expect(identity.identityKey).toHaveLength(33);
    expect(identity.identityKey[0]).toBe(0x05);
    expect(isAccountId(identity.accountId)).toBe(true);
    expect(identity.accountId).toBe(accountIdFromIdentityKey(identity.identityKey));
    const keyPair = IdentityKeyPair.deserialize(identity.identityKeyPair);
    expect(keyPair.publicKey.serialize()).toEqual(identity.identityKey);
    expect(identity.registrationId).toBeGreaterThanOrEqual(1);
    expect(identity.registrationId).toBeLessThanOrEqual(MAX_REGISTRATION_ID);
  });

  it('generates distinct identities and registration ids in range', () => {
    const ids = new Set(Array.from({ length: 20 }, () => generateIdentity().accountId));
    expect(ids.size).toBe(20);
    for (let i = 0; i < 2000; i++) {
      const id = generateRegistrationId();
      expect(Number.isInteger(id) && id >= 1 && id <= 0x3fff).toBe(true);
    }
  });

  it('reads a stored identity back and refuses what is not one', () => {
    const identity = generateIdentity();
    const loaded = loadIdentity({ identityKeyPair: identity.identityKeyPair, registrationId: identity.registrationId });
    expect(loaded).toEqual(identity);
    expect(codeOf(() => loadIdentity({ identityKeyPair: new Uint8Array(10), registrationId: 5 }))).toBe(
      CryptoErrorCode.InvalidEncoding,
    );
    expect(codeOf(() => loadIdentity({ identityKeyPair: identity.identityKeyPair, registrationId: 0 }))).toBe(
      CryptoErrorCode.InvalidEncoding,
    );
    expect(codeOf(() => loadIdentity({ identityKeyPair: identity.identityKeyPair, registrationId: 0x4000 }))).toBe(
      CryptoErrorCode.InvalidEncoding,
    );
  });
});

describe('prekeys', () => {
  const identity = generateIdentity();
  const identityKey = PublicKey.deserialize(identity.identityKey);

  it('signs the signed prekey with the identity key and gives its wire form', () => {
    const signed = generateSignedPreKey(identity, 7, 1_700_000_000_000);
    expect(signedPreKeySchema.parse(signed.wire)).toEqual(signed.wire);
    expect(signed.wire.keyId).toBe(7);
    expect(identityKey.verify(fromBase64(signed.wire.publicKey), fromBase64(signed.wire.signature))).toBe(true);
    expect(signedPreKeyToWire(signed.record)).toEqual(signed.wire);
  });

  it('numbers one-time prekeys consecutively and wraps from 0xFFFFFF to 1', () => {
    const batch = generateOneTimePreKeys(MAX_PREKEY_ID - 2, 5);
    expect(batch.keys.map((key) => key.keyId)).toEqual([MAX_PREKEY_ID - 2, MAX_PREKEY_ID - 1, MAX_PREKEY_ID, 1, 2]);
    expect(batch.nextId).toBe(3);
    for (const key of batch.keys) expect(oneTimePreKeyToWire(key.record)).toEqual(key.wire);
    expect(new Set(batch.keys.map((key) => key.wire.publicKey)).size).toBe(5);
    expect(nextPreKeyId(MAX_PREKEY_ID)).toBe(1);
    expect(nextPreKeyId(1)).toBe(2);
    expect(codeOf(() => nextPreKeyId(0))).toBe(CryptoErrorCode.InvalidKeyId);
    expect(codeOf(() => generateOneTimePreKeys(MAX_PREKEY_ID + 1, 1))).toBe(CryptoErrorCode.InvalidKeyId);
    expect(generateOneTimePreKeys(1, 0).keys).toHaveLength(0);
    for (let i = 0; i < 200; i++) {
      const id = randomPreKeyId();
      expect(id >= 1 && id <= MAX_PREKEY_ID).toBe(true);
    }
  });

  it('generates signed ML-KEM-1024 (libsignal Kyber1024) prekeys and a last-resort key', () => {
    const batch = generateKyberPreKeys(identity, MAX_PREKEY_ID, 2);
    expect(batch.keys.map((key) => key.keyId)).toEqual([MAX_PREKEY_ID, 1]);
    const lastResort = generateLastResortKyberPreKey(identity, 500);
    expect(lastResort.lastResort).toBe(true);
    for (const key of [...batch.keys, lastResort]) {
      expect(kyberPreKeySchema.parse(key.wire)).toEqual(key.wire);
      const publicKey = fromBase64(key.wire.publicKey);
      expect(publicKey).toHaveLength(1569);
      expect(identityKey.verify(publicKey, fromBase64(key.wire.signature))).toBe(true);
      expect(kyberPreKeyToWire(key.record)).toEqual(key.wire);
      expect(KyberPreKeyRecord.deserialize(key.record).id()).toBe(key.keyId);
    }
    expect(batch.keys.every((key) => !key.lastResort)).toBe(true);
  });

  it('stores the private records and builds an upload the relay schema accepts', async () => {
    const store = new MemoryProtocolStore(identity);
    const generated = {
      signedPreKey: generateSignedPreKey(identity, 1),
      lastResortKyberPreKey: generateLastResortKyberPreKey(identity, 1),
      preKeys: generateOneTimePreKeys(10, 3).keys,
      kyberPreKeys: generateKyberPreKeys(identity, 10, 2).keys,
    };
    await storeGeneratedPreKeys(store, generated);
    expect(store.preKeyCount).toBe(3);
    expect(store.kyberPreKeyCount).toBe(3);
    expect((await store.loadKyberPreKey(1))?.lastResort).toBe(true);
    expect((await store.loadKyberPreKey(10))?.lastResort).toBe(false);
    expect(await store.loadSignedPreKey(1)).toEqual(generated.signedPreKey.record);
    const upload = preKeyUpload(generated);
    expect(preKeyUploadSchema.parse(upload)).toEqual(upload);
    expect(upload.preKeys).toHaveLength(3);
    expect(upload.kyberPreKeys).toHaveLength(2);
  });

  it('refuses records that are not prekey records', () => {
    expect(codeOf(() => signedPreKeyToWire(new Uint8Array([1, 2, 3])))).toBe(CryptoErrorCode.InvalidEncoding);
    expect(codeOf(() => oneTimePreKeyToWire(new Uint8Array([0xff, 0xff])))).toBe(CryptoErrorCode.InvalidEncoding);
    expect(codeOf(() => kyberPreKeyToWire(new Uint8Array(0)))).toBe(CryptoErrorCode.InvalidEncoding);
    expect(codeOf(() => generateSignedPreKey({ identityKeyPair: new Uint8Array(3), registrationId: 1 }, 1))).toBe(
      CryptoErrorCode.InvalidEncoding,
    );
  });
});
