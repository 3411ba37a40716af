/**
 * Prekey generation (docs/protocol.md §Prekeys): a signed EC prekey, batches
 * of one-time EC prekeys, one-time Kyber prekeys and a last-resort Kyber
 * prekey, the signed ones signed by the identity key (XEd25519 over the
 * serialized public key, as libsignal verifies them).
 *
 * Each generated key comes as the private record for the ProtocolStore and
 * its public part in the wire shape the relay accepts. Ids are 1..0xFFFFFF
 * and wrap back to 1; EC and Kyber prekeys have separate id spaces.
 */
import {
  type IdentityKeyPair,
  KEMKeyPair,
  KyberPreKeyRecord,
  PreKeyRecord,
  PrivateKey,
  SignedPreKeyRecord,
} from '@signalapp/libsignal-client';
import { type Bytes, bytes, toBase64 } from '../encoding.js';
import { CryptoErrorCode, invalidInput, ParleyCryptoError } from '../errors.js';
import type { LocalIdentityRecord, ProtocolStore } from '../store/protocol-store.js';
import type { KyberPreKeyWire, OneTimePreKeyWire, PreKeyUpload, SignedPreKeyWire } from '../wire/keys.js';
import { MAX_PREKEY_ID } from '../wire/primitives.js';
import { parseSerialized } from './errors-map.js';
import { identityKeyPairOf } from './identity.js';

export interface GeneratedSignedPreKey {
  readonly keyId: number;
  /** Serialized SignedPreKeyRecord (private) for `ProtocolStore.storeSignedPreKey`. */
  readonly record: Bytes;
  readonly wire: SignedPreKeyWire;
}

export interface GeneratedPreKey {
  readonly keyId: number;
  /** Serialized PreKeyRecord (private) for `ProtocolStore.storePreKey`. */
  readonly record: Bytes;
  readonly wire: OneTimePreKeyWire;
}

export interface GeneratedKyberPreKey {
  readonly keyId: number;
  /** Serialized KyberPreKeyRecord (private) for `ProtocolStore.storeKyberPreKey`. */
  readonly record: Bytes;
  readonly lastResort: boolean;
  readonly wire: KyberPreKeyWire;
}

export interface PreKeyBatch<K> {
  readonly keys: readonly K[];
  /** Where the next batch should start. */
  readonly nextId: number;
}

function assertPreKeyId(keyId: number): void {
  if (!Number.isInteger(keyId) || keyId < 1 || keyId > MAX_PREKEY_ID) {
    throw invalidInput(CryptoErrorCode.InvalidKeyId, `prekey id must be in 1..${MAX_PREKEY_ID}`);
  }
}

function assertCount(count: number): void {
  if (!Number.isInteger(count) || count < 0 || count > MAX_PREKEY_ID) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'prekey count must be a non-negative integer');
  }
}

/** The id after `keyId`, wrapping from 0xFFFFFF back to 1. */
export function nextPreKeyId(keyId: number): number {
  assertPreKeyId(keyId);
  return keyId === MAX_PREKEY_ID ? 1 : keyId + 1;
}

/** A random id in 1..0xFFFFFF to start a fresh id sequence (as Signal does, so reinstalls do not collide). */
export function randomPreKeyId(): number {
  const draw = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(draw);
    // 2^24 divides 2^32, so the mask is uniform; 0 is not a valid id.
    const id = (draw[0] ?? 0) & MAX_PREKEY_ID;
    if (id !== 0) return id;
  }
}

export function generateSignedPreKey(
  identity: LocalIdentityRecord,
  keyId: number,
  now: number = Date.now(),
): GeneratedSignedPreKey {
  assertPreKeyId(keyId);
  const identityKeyPair = identityKeyPairOf(identity);
  const privateKey = PrivateKey.generate();
  const publicKey = privateKey.getPublicKey();
  const signature = identityKeyPair.privateKey.sign(publicKey.serialize());
  const record = SignedPreKeyRecord.new(keyId, now, publicKey, privateKey, signature);
  return { keyId, record: record.serialize(), wire: signedPreKeyWire(record) };
}

/** `count` one-time EC prekeys with ids from `startId` on, wrapping after 0xFFFFFF. */
export function generateOneTimePreKeys(startId: number, count: number): PreKeyBatch<GeneratedPreKey> {
  assertPreKeyId(startId);
  assertCount(count);
  const keys: GeneratedPreKey[] = [];
  let keyId = startId;
  for (let i = 0; i < count; i++) {
    const privateKey = PrivateKey.generate();
    const record = PreKeyRecord.new(keyId, privateKey.getPublicKey(), privateKey);
    keys.push({ keyId, record: record.serialize(), wire: preKeyWire(record) });
    keyId = nextPreKeyId(keyId);
  }
  return { keys, nextId: keyId };
}

function generateKyber(
  identity: IdentityKeyPair,
  keyId: number,
  now: number,
  lastResort: boolean,
): GeneratedKyberPreKey {
  const keyPair = KEMKeyPair.generate();
  const signature = identity.privateKey.sign(keyPair.getPublicKey().serialize());
  const record = KyberPreKeyRecord.new(keyId, now, keyPair, signature);
  return { keyId, record: record.serialize(), lastResort, wire: kyberPreKeyWire(record) };
}

/** `count` one-time Kyber (ML-KEM-1024) prekeys signed by the identity key. */
export function generateKyberPreKeys(
  identity: LocalIdentityRecord,
  startId: number,
  count: number,
  now: number = Date.now(),
): PreKeyBatch<GeneratedKyberPreKey> {
  assertPreKeyId(startId);
  assertCount(count);
  const identityKeyPair = identityKeyPairOf(identity);
  const keys: GeneratedKyberPreKey[] = [];
  let keyId = startId;
  for (let i = 0; i < count; i++) {
    keys.push(generateKyber(identityKeyPair, keyId, now, false));
    keyId = nextPreKeyId(keyId);
  }
  return { keys, nextId: keyId };
}

/** The last-resort Kyber prekey: handed out when no one-time Kyber key is left, and kept after use. */
export function generateLastResortKyberPreKey(
  identity: LocalIdentityRecord,
  keyId: number,
  now: number = Date.now(),
): GeneratedKyberPreKey {
  assertPreKeyId(keyId);
  return generateKyber(identityKeyPairOf(identity), keyId, now, true);
}

function signedPreKeyWire(record: SignedPreKeyRecord): SignedPreKeyWire {
  return {
    keyId: record.id(),
    publicKey: toBase64(record.publicKey().serialize()),
    signature: toBase64(record.signature()),
  };
}

function preKeyWire(record: PreKeyRecord): OneTimePreKeyWire {
  return { keyId: record.id(), publicKey: toBase64(record.publicKey().serialize()) };
}

function kyberPreKeyWire(record: KyberPreKeyRecord): KyberPreKeyWire {
  return {
    keyId: record.id(),
    publicKey: toBase64(record.publicKey().serialize()),
    signature: toBase64(record.signature()),
  };
}

/** Public part of a stored signed prekey record, as uploaded. */
export function signedPreKeyToWire(record: Uint8Array): SignedPreKeyWire {
  // Parsing is lazy in libsignal (an empty buffer deserializes), so the
  // getters run inside the guard too.
  return parseSerialized('signed prekey record', () => signedPreKeyWire(SignedPreKeyRecord.deserialize(bytes(record))));
}

/** Public part of a stored one-time prekey record, as uploaded. */
export function oneTimePreKeyToWire(record: Uint8Array): OneTimePreKeyWire {
  return parseSerialized('prekey record', () => preKeyWire(PreKeyRecord.deserialize(bytes(record))));
}

/** Public part of a stored Kyber prekey record, as uploaded. */
export function kyberPreKeyToWire(record: Uint8Array): KyberPreKeyWire {
  return parseSerialized('Kyber prekey record', () => kyberPreKeyWire(KyberPreKeyRecord.deserialize(bytes(record))));
}

export interface GeneratedPreKeys {
  readonly signedPreKey?: GeneratedSignedPreKey;
  readonly lastResortKyberPreKey?: GeneratedKyberPreKey;
  readonly preKeys?: readonly GeneratedPreKey[];
  readonly kyberPreKeys?: readonly GeneratedKyberPreKey[];
}

/** Saves generated private records into the store (before uploading their public parts). */
export async function storeGeneratedPreKeys(store: ProtocolStore, generated: GeneratedPreKeys): Promise<void> {
  try {
    if (generated.signedPreKey !== undefined) {
      await store.storeSignedPreKey(generated.signedPreKey.keyId, generated.signedPreKey.record);
    }
    if (generated.lastResortKyberPreKey !== undefined) {
      const key = generated.lastResortKyberPreKey;
      await store.storeKyberPreKey(key.keyId, { record: key.record, lastResort: true });
    }
    for (const key of generated.preKeys ?? []) await store.storePreKey(key.keyId, key.record);
    for (const key of generated.kyberPreKeys ?? []) {
      await store.storeKyberPreKey(key.keyId, { record: key.record, lastResort: key.lastResort });
    }
  } catch (error) {
    throw ParleyCryptoError.is(error) ? error : new ParleyCryptoError(CryptoErrorCode.Internal, 'store failed', error);
  }
}

/** The relay upload (wire/keys.ts PreKeyUpload) for generated keys. */
export function preKeyUpload(generated: GeneratedPreKeys): PreKeyUpload {
  return {
    ...(generated.signedPreKey === undefined ? {} : { signedPreKey: generated.signedPreKey.wire }),
    ...(generated.lastResortKyberPreKey === undefined
      ? {}
      : { lastResortKyberPreKey: generated.lastResortKyberPreKey.wire }),
    preKeys: (generated.preKeys ?? []).map((key) => key.wire),
    kyberPreKeys: (generated.kyberPreKeys ?? []).map((key) => key.wire),
  };
}
