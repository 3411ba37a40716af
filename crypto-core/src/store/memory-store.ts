/**
 * In-memory ProtocolStore for tests, benchmarks and short-lived tools.
 *
 * It keeps deserialized libsignal records, not bytes, and hands them to the
 * adapters directly through RECORD_ACCESS, which saves a serialize and a
 * deserialize per record per operation (12-15% of an encrypt/decrypt, see
 * TOOLCHAIN.md). The bytes methods of ProtocolStore work too, over the same
 * maps, so tests can inspect and seed it like any durable store.
 *
 * Holding records is safe because libsignal never mutates a record it loaded:
 * it works on its own copy and saves a new record object.
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
import { type Bytes, toBase64 } from '../encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../errors.js';
import type { KyberPreKeyEntry, LocalIdentityRecord, ProtocolStore, RemoteIdentityRecord } from './protocol-store.js';
import {
  type KyberPreKeyObject,
  type LocalIdentityKeys,
  type ProvidesRecordAccess,
  RECORD_ACCESS,
  type RecordAccess,
} from './record-access.js';

/** Records handed in as bytes are parsed here; garbage is INVALID_ENCODING, not a libsignal exception. */
function parse<R>(what: string, deserialize: (record: Bytes) => R, record: Bytes): R {
  try {
    return deserialize(record);
  } catch (error) {
    throw new ParleyCryptoError(CryptoErrorCode.InvalidEncoding, `not a serialized ${what}`, error);
  }
}

function deviceKey(accountId: string, deviceId: number): string {
  // Same text as ProtocolAddress#toString(), so both access paths share keys.
  return `${accountId}.${deviceId}`;
}

function senderKeyKey(device: string, distributionId: string): string {
  return `${device}/${distributionId}`;
}

export class MemoryProtocolStore implements ProtocolStore, ProvidesRecordAccess {
  readonly #identityRecord: LocalIdentityRecord;
  readonly #identityKeys: LocalIdentityKeys;
  readonly #remoteIdentities = new Map<string, RemoteIdentityRecord>();
  readonly #sessions = new Map<string, SessionRecord>();
  readonly #preKeys = new Map<number, PreKeyRecord>();
  readonly #signedPreKeys = new Map<number, SignedPreKeyRecord>();
  readonly #kyberPreKeys = new Map<number, KyberPreKeyObject>();
  readonly #lastResortUses = new Map<number, Set<string>>();
  readonly #senderKeys = new Map<string, SenderKeyRecord>();
  readonly #access: RecordAccess;

  constructor(identity: LocalIdentityRecord) {
    let keyPair: IdentityKeyPair;
    try {
      keyPair = IdentityKeyPair.deserialize(identity.identityKeyPair);
    } catch (error) {
      throw new ParleyCryptoError(CryptoErrorCode.InvalidEncoding, 'not a serialized identity key pair', error);
    }
    this.#identityRecord = identity;
    this.#identityKeys = { keyPair, registrationId: identity.registrationId };
    this.#access = this.#createRecordAccess();
  }

  [RECORD_ACCESS](): RecordAccess {
    return this.#access;
  }

  /** Forgets every session (tests and benchmarks start fresh sessions with it). */
  clearSessions(): void {
    this.#sessions.clear();
  }

  /** Number of one-time EC prekeys left (for tests and refill logic). */
  get preKeyCount(): number {
    return this.#preKeys.size;
  }

  /** Number of Kyber prekeys held, the last-resort one included. */
  get kyberPreKeyCount(): number {
    return this.#kyberPreKeys.size;
  }

  async getLocalIdentity(): Promise<LocalIdentityRecord> {
    return this.#identityRecord;
  }

  async getRemoteIdentity(accountId: string): Promise<RemoteIdentityRecord | null> {
    return this.#remoteIdentities.get(accountId) ?? null;
  }

  async saveRemoteIdentity(accountId: string, record: RemoteIdentityRecord): Promise<void> {
    this.#remoteIdentities.set(accountId, record);
  }

  async loadSession(accountId: string, deviceId: number): Promise<Bytes | null> {
    return this.#sessions.get(deviceKey(accountId, deviceId))?.serialize() ?? null;
  }

  async storeSession(accountId: string, deviceId: number, record: Bytes): Promise<void> {
    this.#sessions.set(
      deviceKey(accountId, deviceId),
      parse('session record', (bytes) => SessionRecord.deserialize(bytes), record),
    );
  }

  async loadPreKey(keyId: number): Promise<Bytes | null> {
    return this.#preKeys.get(keyId)?.serialize() ?? null;
  }

  async storePreKey(keyId: number, record: Bytes): Promise<void> {
    this.#preKeys.set(
      keyId,
      parse('prekey record', (bytes) => PreKeyRecord.deserialize(bytes), record),
    );
  }

  async removePreKey(keyId: number): Promise<void> {
    this.#preKeys.delete(keyId);
  }

  async loadSignedPreKey(keyId: number): Promise<Bytes | null> {
    return this.#signedPreKeys.get(keyId)?.serialize() ?? null;
  }

  async storeSignedPreKey(keyId: number, record: Bytes): Promise<void> {
    this.#signedPreKeys.set(
      keyId,
      parse('signed prekey record', (bytes) => SignedPreKeyRecord.deserialize(bytes), record),
    );
  }

  async removeSignedPreKey(keyId: number): Promise<void> {
    this.#signedPreKeys.delete(keyId);
  }

  async loadKyberPreKey(keyId: number): Promise<KyberPreKeyEntry | null> {
    const entry = this.#kyberPreKeys.get(keyId);
    return entry === undefined ? null : { record: entry.record.serialize(), lastResort: entry.lastResort };
  }

  async storeKyberPreKey(keyId: number, entry: KyberPreKeyEntry): Promise<void> {
    this.#kyberPreKeys.set(keyId, {
      record: parse('Kyber prekey record', (bytes) => KyberPreKeyRecord.deserialize(bytes), entry.record),
      lastResort: entry.lastResort,
    });
  }

  async removeKyberPreKey(keyId: number): Promise<void> {
    this.#kyberPreKeys.delete(keyId);
    this.#lastResortUses.delete(keyId);
  }

  async recordLastResortKyberUse(kyberKeyId: number, signedPreKeyId: number, baseKey: Bytes): Promise<boolean> {
    return this.#recordLastResortUse(kyberKeyId, signedPreKeyId, baseKey);
  }

  async loadSenderKey(accountId: string, deviceId: number, distributionId: string): Promise<Bytes | null> {
    return this.#senderKeys.get(senderKeyKey(deviceKey(accountId, deviceId), distributionId))?.serialize() ?? null;
  }

  async storeSenderKey(accountId: string, deviceId: number, distributionId: string, record: Bytes): Promise<void> {
    this.#senderKeys.set(
      senderKeyKey(deviceKey(accountId, deviceId), distributionId),
      parse('sender key record', (bytes) => SenderKeyRecord.deserialize(bytes), record),
    );
  }

  #recordLastResortUse(kyberKeyId: number, signedPreKeyId: number, baseKey: Uint8Array): boolean {
    let uses = this.#lastResortUses.get(kyberKeyId);
    if (uses === undefined) {
      uses = new Set();
      this.#lastResortUses.set(kyberKeyId, uses);
    }
    const use = `${signedPreKeyId}:${toBase64(baseKey)}`;
    if (uses.has(use)) return false;
    uses.add(use);
    return true;
  }

  /** The live-object view the adapters use; synchronous, so no serialization and no extra awaits. */
  #createRecordAccess(): RecordAccess {
    return {
      localIdentity: () => this.#identityKeys,
      remoteIdentity: (accountId) => this.#remoteIdentities.get(accountId) ?? null,
      saveRemoteIdentity: (accountId, record) => {
        this.#remoteIdentities.set(accountId, record);
      },
      session: (address: ProtocolAddress) => this.#sessions.get(address.toString()) ?? null,
      saveSession: (address, record) => {
        this.#sessions.set(address.toString(), record);
      },
      preKey: (keyId) => this.#preKeys.get(keyId) ?? null,
      savePreKey: (keyId, record) => {
        this.#preKeys.set(keyId, record);
      },
      removePreKey: (keyId) => {
        this.#preKeys.delete(keyId);
      },
      signedPreKey: (keyId) => this.#signedPreKeys.get(keyId) ?? null,
      saveSignedPreKey: (keyId, record) => {
        this.#signedPreKeys.set(keyId, record);
      },
      kyberPreKey: (keyId) => this.#kyberPreKeys.get(keyId) ?? null,
      saveKyberPreKey: (keyId, entry) => {
        this.#kyberPreKeys.set(keyId, entry);
      },
      removeKyberPreKey: (keyId) => {
        this.#kyberPreKeys.delete(keyId);
        this.#lastResortUses.delete(keyId);
      },
      recordLastResortKyberUse: (kyberKeyId, signedPreKeyId, baseKey) =>
        this.#recordLastResortUse(kyberKeyId, signedPreKeyId, baseKey),
      senderKey: (sender, distributionId) =>
        this.#senderKeys.get(senderKeyKey(sender.toString(), distributionId)) ?? null,
      saveSenderKey: (sender, distributionId, record) => {
        this.#senderKeys.set(senderKeyKey(sender.toString(), distributionId), record);
      },
    };
  }
}
