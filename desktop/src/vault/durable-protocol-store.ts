/**
 * crypto-core's ProtocolStore over the vault's durable records. Reads come
 * from memory; writes are staged in the operation's transaction and reach the
 * disk with it (durable-records.ts), so libsignal's many small writes during
 * one decrypt batch cost one commit.
 *
 * Values are handed to libsignal as stored; libsignal copies what it
 * deserializes and never mutates our buffers.
 */
import type {
  Bytes,
  KyberPreKeyEntry,
  LocalIdentityRecord,
  ProtocolStore,
  RemoteIdentityRecord,
} from '@parley/crypto-core';
import { toBase64 } from '@parley/crypto-core/encoding';
import type { DurableRecords } from './durable-records.js';
import { RecordKinds } from './record-kinds.js';

export class DurableProtocolStore implements ProtocolStore {
  readonly #records: DurableRecords;
  readonly #identity: LocalIdentityRecord;

  constructor(records: DurableRecords, identity: LocalIdentityRecord) {
    this.#records = records;
    this.#identity = identity;
  }

  async getLocalIdentity(): Promise<LocalIdentityRecord> {
    return this.#identity;
  }

  async getRemoteIdentity(accountId: string): Promise<RemoteIdentityRecord | null> {
    return this.#records.get(RecordKinds.remoteIdentity, accountId) ?? null;
  }

  async saveRemoteIdentity(accountId: string, record: RemoteIdentityRecord): Promise<void> {
    this.#records.set(RecordKinds.remoteIdentity, [accountId], record);
  }

  async loadSession(accountId: string, deviceId: number): Promise<Bytes | null> {
    return this.#records.get(RecordKinds.session, accountId, deviceId) ?? null;
  }

  async storeSession(accountId: string, deviceId: number, record: Bytes): Promise<void> {
    this.#records.set(RecordKinds.session, [accountId, deviceId], record);
  }

  async loadPreKey(keyId: number): Promise<Bytes | null> {
    return this.#records.get(RecordKinds.preKey, keyId) ?? null;
  }

  async storePreKey(keyId: number, record: Bytes): Promise<void> {
    this.#records.set(RecordKinds.preKey, [keyId], record);
  }

  async removePreKey(keyId: number): Promise<void> {
    this.#records.delete(RecordKinds.preKey, keyId);
  }

  async loadSignedPreKey(keyId: number): Promise<Bytes | null> {
    return this.#records.get(RecordKinds.signedPreKey, keyId) ?? null;
  }

  async storeSignedPreKey(keyId: number, record: Bytes): Promise<void> {
    this.#records.set(RecordKinds.signedPreKey, [keyId], record);
  }

  async removeSignedPreKey(keyId: number): Promise<void> {
    this.#records.delete(RecordKinds.signedPreKey, keyId);
  }

  async loadKyberPreKey(keyId: number): Promise<KyberPreKeyEntry | null> {
    return this.#records.get(RecordKinds.kyberPreKey, keyId) ?? null;
  }

  async storeKyberPreKey(keyId: number, entry: KyberPreKeyEntry): Promise<void> {
    this.#records.set(RecordKinds.kyberPreKey, [keyId], { record: entry.record, lastResort: entry.lastResort });
  }

  async removeKyberPreKey(keyId: number): Promise<void> {
    this.#records.delete(RecordKinds.kyberPreKey, keyId);
    for (const [signedPreKeyId = '', baseKey = ''] of this.#records.partsInGroup(RecordKinds.lastResortUse, keyId)) {
      this.#records.delete(RecordKinds.lastResortUse, keyId, signedPreKeyId, baseKey);
    }
  }

  async recordLastResortKyberUse(kyberKeyId: number, signedPreKeyId: number, baseKey: Bytes): Promise<boolean> {
    const parts = [kyberKeyId, signedPreKeyId, toBase64(baseKey)];
    if (this.#records.has(RecordKinds.lastResortUse, ...parts)) return false;
    this.#records.set(RecordKinds.lastResortUse, parts, true);
    return true;
  }

  async loadSenderKey(accountId: string, deviceId: number, distributionId: string): Promise<Bytes | null> {
    return this.#records.get(RecordKinds.senderKey, accountId, deviceId, distributionId) ?? null;
  }

  async storeSenderKey(accountId: string, deviceId: number, distributionId: string, record: Bytes): Promise<void> {
    this.#records.set(RecordKinds.senderKey, [accountId, deviceId, distributionId], record);
  }

  /** Device ids of `accountId` with a stored session record (current or archived state). */
  sessionDeviceIds(accountId: string): number[] {
    return this.#records
      .partsInGroup(RecordKinds.session, accountId)
      .map(([deviceId]) => Number(deviceId))
      .sort((a, b) => a - b);
  }
}
