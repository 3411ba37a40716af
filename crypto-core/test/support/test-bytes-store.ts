/**
 * Test fixture: a ProtocolStore that keeps only bytes, as a durable store
 * would (and so exercises the serializing adapter path that vault stores
 * take), with a switch to make the next call fail like a broken disk. Also a
 * compact reference for implementing ProtocolStore. Not exported from the
 * package entry.
 */
import type { Bytes } from '../../src/encoding.js';
import { toHex } from '../../src/encoding.js';
import type {
  KyberPreKeyEntry,
  LocalIdentityRecord,
  ProtocolStore,
  RemoteIdentityRecord,
} from '../../src/store/protocol-store.js';

export class BytesOnlyProtocolStore implements ProtocolStore {
  readonly #identity: LocalIdentityRecord;
  readonly remoteIdentities = new Map<string, RemoteIdentityRecord>();
  readonly sessions = new Map<string, Bytes>();
  readonly preKeys = new Map<number, Bytes>();
  readonly signedPreKeys = new Map<number, Bytes>();
  readonly kyberPreKeys = new Map<number, KyberPreKeyEntry>();
  readonly lastResortUses = new Map<number, Set<string>>();
  readonly senderKeys = new Map<string, Bytes>();
  /** When set, the next store call throws this (then the switch resets). */
  failNextCall: Error | undefined;

  constructor(identity: LocalIdentityRecord) {
    this.#identity = identity;
  }

  #maybeFail(): void {
    const failure = this.failNextCall;
    if (failure !== undefined) {
      this.failNextCall = undefined;
      throw failure;
    }
  }

  async getLocalIdentity(): Promise<LocalIdentityRecord> {
    this.#maybeFail();
    return this.#identity;
  }

  async getRemoteIdentity(accountId: string): Promise<RemoteIdentityRecord | null> {
    this.#maybeFail();
    return this.remoteIdentities.get(accountId) ?? null;
  }

  async saveRemoteIdentity(accountId: string, record: RemoteIdentityRecord): Promise<void> {
    this.#maybeFail();
    this.remoteIdentities.set(accountId, record);
  }

  async loadSession(accountId: string, deviceId: number): Promise<Bytes | null> {
    this.#maybeFail();
    return this.sessions.get(`${accountId}.${deviceId}`) ?? null;
  }

  async storeSession(accountId: string, deviceId: number, record: Bytes): Promise<void> {
    this.#maybeFail();
    this.sessions.set(`${accountId}.${deviceId}`, record);
  }

  async loadPreKey(keyId: number): Promise<Bytes | null> {
    this.#maybeFail();
    return this.preKeys.get(keyId) ?? null;
  }

  async storePreKey(keyId: number, record: Bytes): Promise<void> {
    this.#maybeFail();
    this.preKeys.set(keyId, record);
  }

  async removePreKey(keyId: number): Promise<void> {
    this.#maybeFail();
    this.preKeys.delete(keyId);
  }

  async loadSignedPreKey(keyId: number): Promise<Bytes | null> {
    this.#maybeFail();
    return this.signedPreKeys.get(keyId) ?? null;
  }

  async storeSignedPreKey(keyId: number, record: Bytes): Promise<void> {
    this.#maybeFail();
    this.signedPreKeys.set(keyId, record);
  }

  async removeSignedPreKey(keyId: number): Promise<void> {
    this.#maybeFail();
    this.signedPreKeys.delete(keyId);
  }

  async loadKyberPreKey(keyId: number): Promise<KyberPreKeyEntry | null> {
    this.#maybeFail();
    return this.kyberPreKeys.get(keyId) ?? null;
  }

  async storeKyberPreKey(keyId: number, entry: KyberPreKeyEntry): Promise<void> {
    this.#maybeFail();
    this.kyberPreKeys.set(keyId, entry);
  }

  async removeKyberPreKey(keyId: number): Promise<void> {
    this.#maybeFail();
    this.kyberPreKeys.delete(keyId);
    this.lastResortUses.delete(keyId);
  }

  async recordLastResortKyberUse(kyberKeyId: number, signedPreKeyId: number, baseKey: Bytes): Promise<boolean> {
    this.#maybeFail();
    let uses = this.lastResortUses.get(kyberKeyId);
    if (uses === undefined) {
      uses = new Set();
      this.lastResortUses.set(kyberKeyId, uses);
    }
    const use = `${signedPreKeyId}:${toHex(baseKey)}`;
    if (uses.has(use)) return false;
    uses.add(use);
    return true;
  }

  async loadSenderKey(accountId: string, deviceId: number, distributionId: string): Promise<Bytes | null> {
    this.#maybeFail();
    return this.senderKeys.get(`${accountId}.${deviceId}/${distributionId}`) ?? null;
  }

  async storeSenderKey(accountId: string, deviceId: number, distributionId: string, record: Bytes): Promise<void> {
    this.#maybeFail();
    this.senderKeys.set(`${accountId}.${deviceId}/${distributionId}`, record);
  }
}
