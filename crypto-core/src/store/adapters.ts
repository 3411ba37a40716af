/**
 * libsignal's abstract store classes over a ProtocolStore. All protocol
 * policy on stored state lives here, once: identity trust (identity-policy.ts),
 * deletion of used one-time prekeys, keeping the last-resort Kyber prekey
 * while refusing a replayed base key for it, and typed errors for missing
 * keys. These run inside every encrypt/decrypt, so they do as little as they
 * can: the local identity is deserialized once, nothing is copied twice.
 */
import {
  type Direction,
  IdentityChange,
  type IdentityKeyPair,
  IdentityKeyStore,
  type KyberPreKeyRecord,
  KyberPreKeyStore,
  type PreKeyRecord,
  PreKeyStore,
  type PrivateKey,
  type ProtocolAddress,
  PublicKey,
  type SenderKeyRecord,
  SenderKeyStore,
  type SessionRecord,
  SessionStore,
  type SignedPreKeyRecord,
  SignedPreKeyStore,
} from '@signalapp/libsignal-client';
import { equalBytes } from '../encoding.js';
import { CryptoErrorCode } from '../errors.js';
import { isTrustedRemoteKey } from './identity-policy.js';
import type { ProtocolStore } from './protocol-store.js';
import { type LocalIdentityKeys, type RecordAccess, recordAccessFor } from './record-access.js';
import { storeCallbackError } from './store-errors.js';

/**
 * Awaits only real promises. The memory store answers synchronously, and each
 * needless `await` is a microtask hop inside every libsignal callback.
 */
function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return value instanceof Promise;
}

export class ParleyIdentityKeyStore extends IdentityKeyStore {
  readonly #access: RecordAccess;
  #local: LocalIdentityKeys | undefined;

  constructor(access: RecordAccess) {
    super();
    this.#access = access;
  }

  async #loadLocalKeys(): Promise<LocalIdentityKeys> {
    // Cached after the first successful read: the local identity of a store
    // never changes (a new identity means a new account and a new store).
    const loaded = await this.#access.localIdentity();
    this.#local = loaded;
    return loaded;
  }

  async getIdentityKey(): Promise<PrivateKey> {
    return (this.#local ?? (await this.#loadLocalKeys())).keyPair.privateKey;
  }

  override async getIdentityKeyPair(): Promise<IdentityKeyPair> {
    // The base class derives the public key on every call; we have it cached.
    return (this.#local ?? (await this.#loadLocalKeys())).keyPair;
  }

  async getLocalRegistrationId(): Promise<number> {
    return (this.#local ?? (await this.#loadLocalKeys())).registrationId;
  }

  async isTrustedIdentity(address: ProtocolAddress, key: PublicKey, _direction: Direction): Promise<boolean> {
    // Same rule for sending and receiving, and no recorded key can widen it:
    // only the key the account id commits to. libsignal checks this before it
    // touches any session, so a refused message changes nothing.
    return isTrustedRemoteKey(address.name(), key.serialize());
  }

  async saveIdentity(address: ProtocolAddress, key: PublicKey): Promise<IdentityChange> {
    const accountId = address.name();
    const offered = key.serialize();
    // libsignal saves only after its trust check passed; refuse anyway, never record a forged key.
    if (!isTrustedRemoteKey(accountId, offered)) {
      throw storeCallbackError(
        CryptoErrorCode.ForgedIdentity,
        `identity key for ${accountId} is not the key its account id commits to`,
      );
    }
    const pending = this.#access.remoteIdentity(accountId);
    const recorded = isPromise(pending) ? await pending : pending;
    if (recorded !== null && equalBytes(recorded.identityKey, offered)) return IdentityChange.NewOrUnchanged;
    // Nothing recorded yet, or (in a store written by an older Parley) a key
    // the id does not commit to: the committed key takes its place.
    await this.#access.saveRemoteIdentity(accountId, {
      identityKey: offered,
      trust: 'first-use',
      updatedAt: Date.now(),
    });
    return recorded === null ? IdentityChange.NewOrUnchanged : IdentityChange.ReplacedExisting;
  }

  async getIdentity(address: ProtocolAddress): Promise<PublicKey | null> {
    const recorded = await this.#access.remoteIdentity(address.name());
    return recorded === null ? null : PublicKey.deserialize(recorded.identityKey);
  }
}

export class ParleySessionStore extends SessionStore {
  readonly #access: RecordAccess;

  constructor(access: RecordAccess) {
    super();
    this.#access = access;
  }

  async saveSession(address: ProtocolAddress, record: SessionRecord): Promise<void> {
    const pending = this.#access.saveSession(address, record);
    if (isPromise(pending)) await pending;
  }

  async getSession(address: ProtocolAddress): Promise<SessionRecord | null> {
    return this.#access.session(address);
  }

  async getExistingSessions(addresses: ProtocolAddress[]): Promise<SessionRecord[]> {
    const records: SessionRecord[] = [];
    for (const address of addresses) {
      const record = await this.#access.session(address);
      if (record === null) throw storeCallbackError(CryptoErrorCode.NoSession, `no session with ${address.toString()}`);
      records.push(record);
    }
    return records;
  }
}

export class ParleyPreKeyStore extends PreKeyStore {
  readonly #access: RecordAccess;

  constructor(access: RecordAccess) {
    super();
    this.#access = access;
  }

  async savePreKey(keyId: number, record: PreKeyRecord): Promise<void> {
    await this.#access.savePreKey(keyId, record);
  }

  async getPreKey(keyId: number): Promise<PreKeyRecord> {
    const pending = this.#access.preKey(keyId);
    const record = isPromise(pending) ? await pending : pending;
    if (record === null) throw storeCallbackError(CryptoErrorCode.InvalidKeyId, `no one-time prekey ${keyId}`);
    return record;
  }

  async removePreKey(keyId: number): Promise<void> {
    await this.#access.removePreKey(keyId);
  }
}

export class ParleySignedPreKeyStore extends SignedPreKeyStore {
  readonly #access: RecordAccess;

  constructor(access: RecordAccess) {
    super();
    this.#access = access;
  }

  async saveSignedPreKey(keyId: number, record: SignedPreKeyRecord): Promise<void> {
    await this.#access.saveSignedPreKey(keyId, record);
  }

  async getSignedPreKey(keyId: number): Promise<SignedPreKeyRecord> {
    const pending = this.#access.signedPreKey(keyId);
    const record = isPromise(pending) ? await pending : pending;
    if (record === null) throw storeCallbackError(CryptoErrorCode.InvalidKeyId, `no signed prekey ${keyId}`);
    return record;
  }
}

export class ParleyKyberPreKeyStore extends KyberPreKeyStore {
  readonly #access: RecordAccess;

  constructor(access: RecordAccess) {
    super();
    this.#access = access;
  }

  /** libsignal never creates Kyber prekeys itself; a key saved this way is a one-time key. */
  async saveKyberPreKey(keyId: number, record: KyberPreKeyRecord): Promise<void> {
    await this.#access.saveKyberPreKey(keyId, { record, lastResort: false });
  }

  async getKyberPreKey(keyId: number): Promise<KyberPreKeyRecord> {
    const pending = this.#access.kyberPreKey(keyId);
    const entry = isPromise(pending) ? await pending : pending;
    if (entry === null) throw storeCallbackError(CryptoErrorCode.InvalidKeyId, `no Kyber prekey ${keyId}`);
    return entry.record;
  }

  async markKyberPreKeyUsed(keyId: number, signedPreKeyId: number, baseKey: PublicKey): Promise<void> {
    const pending = this.#access.kyberPreKey(keyId);
    const entry = isPromise(pending) ? await pending : pending;
    if (entry === null) throw storeCallbackError(CryptoErrorCode.InvalidKeyId, `no Kyber prekey ${keyId}`);
    if (!entry.lastResort) {
      await this.#access.removeKyberPreKey(keyId);
      return;
    }
    // The last-resort key outlives its uses, so a replayed PreKey message
    // could be accepted twice; the (signed prekey, base key) pair names one
    // session setup, and seeing it again means a replay.
    const recording = this.#access.recordLastResortKyberUse(keyId, signedPreKeyId, baseKey.serialize());
    const fresh = isPromise(recording) ? await recording : recording;
    if (!fresh) {
      throw storeCallbackError(
        CryptoErrorCode.DuplicateMessage,
        `last-resort Kyber prekey ${keyId} reused by a replay`,
      );
    }
  }
}

export class ParleySenderKeyStore extends SenderKeyStore {
  readonly #access: RecordAccess;

  constructor(access: RecordAccess) {
    super();
    this.#access = access;
  }

  async saveSenderKey(sender: ProtocolAddress, distributionId: string, record: SenderKeyRecord): Promise<void> {
    await this.#access.saveSenderKey(sender, distributionId, record);
  }

  async getSenderKey(sender: ProtocolAddress, distributionId: string): Promise<SenderKeyRecord | null> {
    return this.#access.senderKey(sender, distributionId);
  }
}

/** One ProtocolStore as the six store objects libsignal's functions take. */
export interface SignalStores {
  readonly session: ParleySessionStore;
  readonly identity: ParleyIdentityKeyStore;
  readonly preKey: ParleyPreKeyStore;
  readonly signedPreKey: ParleySignedPreKeyStore;
  readonly kyberPreKey: ParleyKyberPreKeyStore;
  readonly senderKey: ParleySenderKeyStore;
}

const storesByProtocolStore = new WeakMap<ProtocolStore, SignalStores>();

/**
 * The libsignal adapters for `store`, created once per store so every cipher
 * over the same store shares one cached local identity.
 */
export function signalStoresFor(store: ProtocolStore): SignalStores {
  let stores = storesByProtocolStore.get(store);
  if (stores === undefined) {
    const access = recordAccessFor(store);
    stores = {
      session: new ParleySessionStore(access),
      identity: new ParleyIdentityKeyStore(access),
      preKey: new ParleyPreKeyStore(access),
      signedPreKey: new ParleySignedPreKeyStore(access),
      kyberPreKey: new ParleyKyberPreKeyStore(access),
      senderKey: new ParleySenderKeyStore(access),
    };
    storesByProtocolStore.set(store, stores);
  }
  return stores;
}
