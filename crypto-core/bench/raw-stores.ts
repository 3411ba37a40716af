/**
 * Raw libsignal stores for the benchmarks' baselines: the least a caller must
 * write, every record kept as an object in a map. crypto-core's signal bench
 * and the desktop decrypt-only baselines both measure against these.
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
  type PublicKey,
  type SenderKeyRecord,
  SenderKeyStore,
  type SessionRecord,
  SessionStore,
  type SignedPreKeyRecord,
  SignedPreKeyStore,
} from '@signalapp/libsignal-client';

export class RawStores {
  readonly sessions = new Map<string, SessionRecord>();
  readonly identities = new Map<string, PublicKey>();
  readonly preKeys = new Map<number, PreKeyRecord>();
  readonly signedPreKeys = new Map<number, SignedPreKeyRecord>();
  readonly kyberPreKeys = new Map<number, KyberPreKeyRecord>();
  readonly senderKeys = new Map<string, SenderKeyRecord>();
  readonly session: SessionStore;
  readonly identity: IdentityKeyStore;
  readonly preKey: PreKeyStore;
  readonly signedPreKey: SignedPreKeyStore;
  readonly kyberPreKey: KyberPreKeyStore;
  readonly senderKey: SenderKeyStore;

  constructor(keyPair: IdentityKeyPair, registrationId: number) {
    const { sessions, identities, preKeys, signedPreKeys, kyberPreKeys, senderKeys } = this;
    this.session = new (class extends SessionStore {
      async saveSession(address: ProtocolAddress, record: SessionRecord): Promise<void> {
        sessions.set(address.toString(), record);
      }
      async getSession(address: ProtocolAddress): Promise<SessionRecord | null> {
        return sessions.get(address.toString()) ?? null;
      }
      async getExistingSessions(addresses: ProtocolAddress[]): Promise<SessionRecord[]> {
        return addresses.flatMap((address) => sessions.get(address.toString()) ?? []);
      }
    })();
    this.identity = new (class extends IdentityKeyStore {
      async getIdentityKey(): Promise<PrivateKey> {
        return keyPair.privateKey;
      }
      override async getIdentityKeyPair(): Promise<IdentityKeyPair> {
        return keyPair;
      }
      async getLocalRegistrationId(): Promise<number> {
        return registrationId;
      }
      async saveIdentity(address: ProtocolAddress, key: PublicKey): Promise<IdentityChange> {
        const known = identities.get(address.name());
        identities.set(address.name(), key);
        return known !== undefined && !known.equals(key)
          ? IdentityChange.ReplacedExisting
          : IdentityChange.NewOrUnchanged;
      }
      async isTrustedIdentity(address: ProtocolAddress, key: PublicKey, _direction: Direction): Promise<boolean> {
        const known = identities.get(address.name());
        return known === undefined || known.equals(key);
      }
      async getIdentity(address: ProtocolAddress): Promise<PublicKey | null> {
        return identities.get(address.name()) ?? null;
      }
    })();
    this.preKey = new (class extends PreKeyStore {
      async savePreKey(id: number, record: PreKeyRecord): Promise<void> {
        preKeys.set(id, record);
      }
      async getPreKey(id: number): Promise<PreKeyRecord> {
        const record = preKeys.get(id);
        if (record === undefined) throw new Error(`no prekey ${id}`);
        return record;
      }
      async removePreKey(id: number): Promise<void> {
        preKeys.delete(id);
      }
    })();
    this.signedPreKey = new (class extends SignedPreKeyStore {
      async saveSignedPreKey(id: number, record: SignedPreKeyRecord): Promise<void> {
        signedPreKeys.set(id, record);
      }
      async getSignedPreKey(id: number): Promise<SignedPreKeyRecord> {
        const record = signedPreKeys.get(id);
        if (record === undefined) throw new Error(`no signed prekey ${id}`);
        return record;
      }
    })();
    this.kyberPreKey = new (class extends KyberPreKeyStore {
      async saveKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void> {
        kyberPreKeys.set(id, record);
      }
      async getKyberPreKey(id: number): Promise<KyberPreKeyRecord> {
        const record = kyberPreKeys.get(id);
        if (record === undefined) throw new Error(`no Kyber prekey ${id}`);
        return record;
      }
      async markKyberPreKeyUsed(): Promise<void> {}
    })();
    this.senderKey = new (class extends SenderKeyStore {
      async saveSenderKey(sender: ProtocolAddress, distributionId: string, record: SenderKeyRecord): Promise<void> {
        senderKeys.set(`${sender.toString()}/${distributionId}`, record);
      }
      async getSenderKey(sender: ProtocolAddress, distributionId: string): Promise<SenderKeyRecord | null> {
        return senderKeys.get(`${sender.toString()}/${distributionId}`) ?? null;
      }
    })();
  }
}
