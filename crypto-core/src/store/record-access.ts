/**
 * The record-level view the libsignal adapters work on: deserialized
 * libsignal objects instead of bytes. `recordAccessFor` gives it for any
 * ProtocolStore by (de)serializing on each call; a store that can keep live
 * objects (MemoryProtocolStore) provides its own through RECORD_ACCESS and
 * skips that cost on the hot path (12-15% measured, TOOLCHAIN.md).
 *
 * Internal to crypto-core: callers implement ProtocolStore only.
 */
import {
  IdentityKeyPair,
  KyberPreKeyRecord,
  PreKeyRecord,
  type ProtocolAddress,
  SenderKeyRecord,
  SessionRecord,
  SignedPreKeyRecord,
} from '@signalapp/libsignal-client';
import type { Bytes } from '../encoding.js';
import type { LocalIdentityRecord, ProtocolStore, RemoteIdentityRecord } from './protocol-store.js';

type MaybePromise<T> = T | Promise<T>;

export interface LocalIdentityKeys {
  readonly keyPair: IdentityKeyPair;
  readonly registrationId: number;
}

export interface KyberPreKeyObject {
  readonly record: KyberPreKeyRecord;
  readonly lastResort: boolean;
}

export interface RecordAccess {
  localIdentity(): MaybePromise<LocalIdentityKeys>;
  remoteIdentity(accountId: string): MaybePromise<RemoteIdentityRecord | null>;
  saveRemoteIdentity(accountId: string, record: RemoteIdentityRecord): MaybePromise<void>;
  session(address: ProtocolAddress): MaybePromise<SessionRecord | null>;
  saveSession(address: ProtocolAddress, record: SessionRecord): MaybePromise<void>;
  preKey(keyId: number): MaybePromise<PreKeyRecord | null>;
  savePreKey(keyId: number, record: PreKeyRecord): MaybePromise<void>;
  removePreKey(keyId: number): MaybePromise<void>;
  signedPreKey(keyId: number): MaybePromise<SignedPreKeyRecord | null>;
  saveSignedPreKey(keyId: number, record: SignedPreKeyRecord): MaybePromise<void>;
  kyberPreKey(keyId: number): MaybePromise<KyberPreKeyObject | null>;
  saveKyberPreKey(keyId: number, entry: KyberPreKeyObject): MaybePromise<void>;
  removeKyberPreKey(keyId: number): MaybePromise<void>;
  recordLastResortKyberUse(kyberKeyId: number, signedPreKeyId: number, baseKey: Bytes): MaybePromise<boolean>;
  senderKey(sender: ProtocolAddress, distributionId: string): MaybePromise<SenderKeyRecord | null>;
  saveSenderKey(sender: ProtocolAddress, distributionId: string, record: SenderKeyRecord): MaybePromise<void>;
}

/** Implemented by stores that serve live records themselves (see MemoryProtocolStore). */
export const RECORD_ACCESS: unique symbol = Symbol('parley.recordAccess');

export interface ProvidesRecordAccess {
  [RECORD_ACCESS](): RecordAccess;
}

function providesRecordAccess(store: ProtocolStore): store is ProtocolStore & ProvidesRecordAccess {
  return typeof (store as Partial<ProvidesRecordAccess>)[RECORD_ACCESS] === 'function';
}

export function localIdentityKeys(record: LocalIdentityRecord): LocalIdentityKeys {
  return { keyPair: IdentityKeyPair.deserialize(record.identityKeyPair), registrationId: record.registrationId };
}

/** Record access over the bytes interface: every load deserializes, every save serializes. */
class SerializingRecordAccess implements RecordAccess {
  readonly #store: ProtocolStore;

  constructor(store: ProtocolStore) {
    this.#store = store;
  }

  async localIdentity(): Promise<LocalIdentityKeys> {
    return localIdentityKeys(await this.#store.getLocalIdentity());
  }

  remoteIdentity(accountId: string): Promise<RemoteIdentityRecord | null> {
    return this.#store.getRemoteIdentity(accountId);
  }

  saveRemoteIdentity(accountId: string, record: RemoteIdentityRecord): Promise<void> {
    return this.#store.saveRemoteIdentity(accountId, record);
  }

  async session(address: ProtocolAddress): Promise<SessionRecord | null> {
    const record = await this.#store.loadSession(address.name(), address.deviceId());
    return record === null ? null : SessionRecord.deserialize(record);
  }

  saveSession(address: ProtocolAddress, record: SessionRecord): Promise<void> {
    return this.#store.storeSession(address.name(), address.deviceId(), record.serialize());
  }

  async preKey(keyId: number): Promise<PreKeyRecord | null> {
    const record = await this.#store.loadPreKey(keyId);
    return record === null ? null : PreKeyRecord.deserialize(record);
  }

  savePreKey(keyId: number, record: PreKeyRecord): Promise<void> {
    return this.#store.storePreKey(keyId, record.serialize());
  }

  removePreKey(keyId: number): Promise<void> {
    return this.#store.removePreKey(keyId);
  }

  async signedPreKey(keyId: number): Promise<SignedPreKeyRecord | null> {
    const record = await this.#store.loadSignedPreKey(keyId);
    return record === null ? null : SignedPreKeyRecord.deserialize(record);
  }

  saveSignedPreKey(keyId: number, record: SignedPreKeyRecord): Promise<void> {
    return this.#store.storeSignedPreKey(keyId, record.serialize());
  }

  async kyberPreKey(keyId: number): Promise<KyberPreKeyObject | null> {
    const entry = await this.#store.loadKyberPreKey(keyId);
    return entry === null
      ? null
      : { record: KyberPreKeyRecord.deserialize(entry.record), lastResort: entry.lastResort };
  }

  saveKyberPreKey(keyId: number, entry: KyberPreKeyObject): Promise<void> {
    return this.#store.storeKyberPreKey(keyId, { record: entry.record.serialize(), lastResort: entry.lastResort });
  }

  removeKyberPreKey(keyId: number): Promise<void> {
    return this.#store.removeKyberPreKey(keyId);
  }

  recordLastResortKyberUse(kyberKeyId: number, signedPreKeyId: number, baseKey: Bytes): Promise<boolean> {
    return this.#store.recordLastResortKyberUse(kyberKeyId, signedPreKeyId, baseKey);
  }

  async senderKey(sender: ProtocolAddress, distributionId: string): Promise<SenderKeyRecord | null> {
    const record = await this.#store.loadSenderKey(sender.name(), sender.deviceId(), distributionId);
    return record === null ? null : SenderKeyRecord.deserialize(record);
  }

  saveSenderKey(sender: ProtocolAddress, distributionId: string, record: SenderKeyRecord): Promise<void> {
    return this.#store.storeSenderKey(sender.name(), sender.deviceId(), distributionId, record.serialize());
  }
}

export function recordAccessFor(store: ProtocolStore): RecordAccess {
  return providesRecordAccess(store) ? store[RECORD_ACCESS]() : new SerializingRecordAccess(store);
}
