/**
 * Decrypt-only with raw libsignal, the baseline of the desktop bench: the
 * least libsignal needs (sessions and identities in maps), over a fresh
 * established session, timing only the sealedSenderDecryptMessage loop. The
 * receiver class follows desktop/test/vault/bench/vault-decrypt-bench.ts.
 */
import {
  type Bytes,
  encodeContent,
  generateIdentity,
  generateKyberPreKeys,
  generateLastResortKyberPreKey,
  generateOneTimePreKeys,
  generateSignedPreKey,
  MemoryProtocolStore,
  type SealedSenderCipher,
  SessionCipher,
  storeGeneratedPreKeys,
  toBase64,
} from '@parley/crypto-core';
import type { DeviceAddress } from '@parley/crypto-core/wire';
import {
  type Direction,
  IdentityChange,
  IdentityKeyPair,
  IdentityKeyStore,
  KyberPreKeyStore,
  PreKeyStore,
  type PrivateKey,
  ProtocolAddress,
  PublicKey,
  SessionRecord,
  SessionStore,
  SignedPreKeyStore,
  sealedSenderDecryptMessage,
} from '@signalapp/libsignal-client';
import type { TestDevice } from '../../relay-server/test/support/test-device.js';

class RawReceiver {
  readonly sessions = new Map<string, SessionRecord>();
  readonly identities = new Map<string, PublicKey>();
  readonly session: SessionStore;
  readonly identity: IdentityKeyStore;
  readonly preKey = new (class extends PreKeyStore {
    async savePreKey(): Promise<void> {}
    async getPreKey(): Promise<never> {
      throw new Error('no prekeys in the benchmark');
    }
    async removePreKey(): Promise<void> {}
  })();
  readonly signedPreKey = new (class extends SignedPreKeyStore {
    async saveSignedPreKey(): Promise<void> {}
    async getSignedPreKey(): Promise<never> {
      throw new Error('no signed prekeys in the benchmark');
    }
  })();
  readonly kyberPreKey = new (class extends KyberPreKeyStore {
    async saveKyberPreKey(): Promise<void> {}
    async getKyberPreKey(): Promise<never> {
      throw new Error('no Kyber prekeys in the benchmark');
    }
    async markKyberPreKeyUsed(): Promise<void> {}
  })();

  constructor(keyPair: IdentityKeyPair, registrationId: number) {
    const { sessions, identities } = this;
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

export interface RawDecryptFigures {
  readonly messages: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
}

/**
 * `makeText(i)` gives the i-th message's content (the same shape the drain
 * received); the sender seals with the relay's certificate and trust root.
 */
export async function benchRawDecrypt(options: {
  readonly sender: TestDevice;
  readonly sealer: SealedSenderCipher;
  readonly senderCertificate: Bytes;
  readonly trustRoot: Bytes;
  readonly messages: number;
  readonly makeText: (i: number) => Bytes;
}): Promise<RawDecryptFigures> {
  const { sender, sealer, senderCertificate, trustRoot, messages, makeText } = options;
  // A fresh receiver; crypto-core sets up the session, then libsignal alone decrypts.
  const identity = generateIdentity();
  const address: DeviceAddress = { accountId: identity.accountId, deviceId: 1 };
  const setupStore = new MemoryProtocolStore(identity);
  const signedPreKey = generateSignedPreKey(identity, 1);
  const lastResort = generateLastResortKyberPreKey(identity, 2);
  const preKeys = generateOneTimePreKeys(1, 1).keys;
  const kyberPreKeys = generateKyberPreKeys(identity, 3, 1).keys;
  await storeGeneratedPreKeys(setupStore, { signedPreKey, lastResortKyberPreKey: lastResort, preKeys, kyberPreKeys });
  const setup = new SessionCipher(setupStore, address);
  await sender.session.startSession({
    accountId: identity.accountId,
    deviceId: 1,
    registrationId: identity.registrationId,
    identityKey: toBase64(identity.identityKey),
    signedPreKey: signedPreKey.wire,
    preKey: preKeys[0]?.wire ?? null,
    kyberPreKey: kyberPreKeys[0]?.wire ?? lastResort.wire,
  });
  // One round trip each way, as in a conversation: the sender's messages are plain SignalMessages from now on.
  const hello = encodeContent({ type: 'text', id: crypto.randomUUID(), sentAt: Date.now(), body: 'hello' });
  await setup.decrypt(sender.address, await sender.session.encrypt(address, hello));
  await sender.session.decrypt(address, await setup.encrypt(sender.address, hello));

  const raw = new RawReceiver(IdentityKeyPair.deserialize(identity.identityKeyPair), identity.registrationId);
  const record = await setupStore.loadSession(sender.address.accountId, sender.address.deviceId);
  if (record === null) throw new Error('raw session missing');
  raw.sessions.set(
    ProtocolAddress.new(sender.address.accountId, sender.address.deviceId).toString(),
    SessionRecord.deserialize(record),
  );
  raw.identities.set(sender.address.accountId, PublicKey.deserialize(sender.identity.identityKey));

  const ciphertexts: Bytes[] = [];
  for (let i = 0; i < messages; i++) ciphertexts.push(await sealer.encrypt(address, makeText(i), senderCertificate));
  const root = PublicKey.deserialize(trustRoot);
  const begin = performance.now();
  for (const body of ciphertexts) {
    await sealedSenderDecryptMessage(
      body,
      root,
      Date.now(),
      null,
      address.accountId,
      address.deviceId,
      raw.session,
      raw.identity,
      raw.preKey,
      raw.signedPreKey,
      raw.kyberPreKey,
    );
  }
  const seconds = (performance.now() - begin) / 1000;
  return { messages, seconds, messagesPerSecond: messages / seconds };
}
