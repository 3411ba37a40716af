/**
 * Decrypt-only with raw libsignal, the baseline of the desktop bench: the
 * least libsignal needs (sessions and identities in maps), over a fresh
 * established session, timing only the sealedSenderDecryptMessage loop. The
 * receiver is the vault bench's (desktop/test/vault/bench/raw-receiver.ts).
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
import type { TestDevice } from '@parley/test-support';
import {
  IdentityKeyPair,
  ProtocolAddress,
  PublicKey,
  SessionRecord,
  sealedSenderDecryptMessage,
} from '@signalapp/libsignal-client';
import { RawReceiver } from '../test/vault/bench/raw-receiver.js';

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

  const raw = new RawReceiver(IdentityKeyPair.deserialize(identity.identityKeyPair), identity.registrationId, address);
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
