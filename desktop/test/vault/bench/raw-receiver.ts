/**
 * The raw libsignal receiver of the decrypt-only baselines (the vault bench
 * and the desktop drain bench): the least libsignal needs, sessions and
 * identities in maps with records kept as objects, no prekeys (the session is
 * established before timing starts).
 */
import type { DeviceAddress } from '@parley/crypto-core/wire';
import {
  type Direction,
  IdentityChange,
  type IdentityKeyPair,
  IdentityKeyStore,
  KyberPreKeyStore,
  PreKeyStore,
  type PrivateKey,
  ProtocolAddress,
  type PublicKey,
  type SessionRecord,
  SessionStore,
  SignedPreKeyStore,
} from '@signalapp/libsignal-client';

export class RawReceiver {
  readonly sessions = new Map<string, SessionRecord>();
  readonly identities = new Map<string, PublicKey>();
  readonly address: ProtocolAddress;
  readonly session: SessionStore;
  readonly identity: IdentityKeyStore;
  readonly unused = {
    preKey: new (class extends PreKeyStore {
      async savePreKey(): Promise<void> {}
      async getPreKey(): Promise<never> {
        throw new Error('no prekeys in the benchmark');
      }
      async removePreKey(): Promise<void> {}
    })(),
    signedPreKey: new (class extends SignedPreKeyStore {
      async saveSignedPreKey(): Promise<void> {}
      async getSignedPreKey(): Promise<never> {
        throw new Error('no signed prekeys in the benchmark');
      }
    })(),
    kyberPreKey: new (class extends KyberPreKeyStore {
      async saveKyberPreKey(): Promise<void> {}
      async getKyberPreKey(): Promise<never> {
        throw new Error('no Kyber prekeys in the benchmark');
      }
      async markKyberPreKeyUsed(): Promise<void> {}
    })(),
  };

  constructor(keyPair: IdentityKeyPair, registrationId: number, address: DeviceAddress) {
    const { sessions, identities } = this;
    this.address = ProtocolAddress.new(address.accountId, address.deviceId);
    this.session = new (class extends SessionStore {
      async saveSession(remote: ProtocolAddress, record: SessionRecord): Promise<void> {
        sessions.set(remote.toString(), record);
      }
      async getSession(remote: ProtocolAddress): Promise<SessionRecord | null> {
        return sessions.get(remote.toString()) ?? null;
      }
      async getExistingSessions(remotes: ProtocolAddress[]): Promise<SessionRecord[]> {
        return remotes.flatMap((remote) => sessions.get(remote.toString()) ?? []);
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
      async saveIdentity(remote: ProtocolAddress, key: PublicKey): Promise<IdentityChange> {
        identities.set(remote.name(), key);
        return IdentityChange.NewOrUnchanged;
      }
      async isTrustedIdentity(remote: ProtocolAddress, key: PublicKey, _direction: Direction): Promise<boolean> {
        const known = identities.get(remote.name());
        return known === undefined || known.equals(key);
      }
      async getIdentity(remote: ProtocolAddress): Promise<PublicKey | null> {
        return identities.get(remote.name()) ?? null;
      }
    })();
  }
}
