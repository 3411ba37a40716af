/**
 * Vault decrypt throughput, beside raw libsignal decrypt-only in the same run:
 * the figure behind issue 4's drain aim (the engine drains through the vault
 * at >= 50% of raw decrypt-only).
 *
 * A sender (crypto-core, in memory) has an established session with two
 * receivers: a vault (keychain-protected, temporary profile) and a raw
 * libsignal receiver (minimal in-memory stores, records kept as objects).
 * It encrypts the same texts for both, sealed and unsealed. Then the batches
 * of 100 are decrypted alternately, raw and vault, so machine load hits both
 * alike. The vault path is the host's: dispatchVaultCall (argument
 * validation) -> Vault.decrypt (cache check, libsignal over the durable store,
 * content decoding, one SQLite commit with fsync per batch), then
 * releaseDecrypted as the engine does after its own commit.
 *
 *   node --conditions=source --import tsx desktop/test/vault/bench/vault-decrypt-bench.ts [messages]
 *
 * Ends with one JSON line of every figure.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type Bytes,
  encodeContent,
  generateIdentity,
  generateKyberPreKeys,
  generateLastResortKyberPreKey,
  generateOneTimePreKeys,
  generateSignedPreKey,
  MemoryProtocolStore,
  SealedSenderCipher,
  SessionCipher,
  storeGeneratedPreKeys,
} from '@parley/crypto-core';
import type { Envelope } from '@parley/crypto-core/wire';
import {
  IdentityKeyPair,
  ProtocolAddress,
  PublicKey,
  SessionRecord,
  SignalMessage,
  sealedSenderDecryptMessage,
  signalDecrypt,
} from '@signalapp/libsignal-client';
import { MemoryKeychain } from '../support/memory-keychain.js';
import { RawDevice } from '../support/raw-device.js';
import { TestRelay } from '../support/test-relay.js';
import { call, keychainVault, registerParty, temporaryProfileDir } from '../support/vault-harness.js';
import { RawReceiver } from './raw-receiver.js';

const BATCH = 100;

function decode(text: string): Bytes {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export interface VaultDecryptFigures {
  readonly messages: number;
  readonly batchSize: number;
  readonly rawUnsealedPerSecond: number;
  readonly vaultUnsealedPerSecond: number;
  readonly vaultUnsealedWithReleasePerSecond: number;
  readonly unsealedRatio: number;
  readonly rawSealedPerSecond: number;
  readonly vaultSealedPerSecond: number;
  readonly vaultSealedWithReleasePerSecond: number;
  readonly sealedRatio: number;
}

export async function benchVaultDecrypt(messages = 10_000): Promise<VaultDecryptFigures> {
  const relay = new TestRelay();
  const profileDir = temporaryProfileDir();
  const vault = keychainVault(profileDir, new MemoryKeychain());
  try {
    const account = await call(vault, 'createIdentity', {});
    await registerParty(vault, relay);
    const vaultAddress = { accountId: account.accountId, deviceId: account.deviceId };

    // The raw receiver: crypto-core sets up its session, then libsignal alone decrypts.
    const rawIdentity = generateIdentity();
    const rawAddress = { accountId: rawIdentity.accountId, deviceId: 1 };
    const rawSetupStore = new MemoryProtocolStore(rawIdentity);
    const signedPreKey = generateSignedPreKey(rawIdentity, 1);
    const lastResortKyberPreKey = generateLastResortKyberPreKey(rawIdentity, 2);
    const preKeys = generateOneTimePreKeys(1, 1).keys;
    const kyberPreKeys = generateKyberPreKeys(rawIdentity, 3, 1).keys;
    await storeGeneratedPreKeys(rawSetupStore, { signedPreKey, lastResortKyberPreKey, preKeys, kyberPreKeys });
    const rawSetup = new SessionCipher(rawSetupStore, rawAddress);

    const sender = new RawDevice();
    const senderCertificate = relay.certifyDevice(sender.address, sender.identity.identityKey);
    const sealer = new SealedSenderCipher(sender.store, sender.address, relay.trustRoot.publicKey);
    await sender.startSession(relay.bundles(account.accountId));
    await sender.session.startSession({
      accountId: rawIdentity.accountId,
      deviceId: 1,
      registrationId: rawIdentity.registrationId,
      identityKey: Buffer.from(rawIdentity.identityKey).toString('base64'),
      signedPreKey: signedPreKey.wire,
      preKey: preKeys[0]?.wire ?? null,
      kyberPreKey: kyberPreKeys[0]?.wire ?? lastResortKyberPreKey.wire,
    });
    // One round trip each way, so the sender's messages are plain SignalMessages from now on.
    const hello = encodeContent({ type: 'text', id: crypto.randomUUID(), sentAt: 1, body: 'hello' });
    await call(vault, 'decrypt', {
      relayUrl: relay.url,
      envelopes: [
        await sender.envelope(vaultAddress, { type: 'text', id: crypto.randomUUID(), sentAt: 1, body: 'hello' }),
      ],
    });
    const vaultReply = await call(vault, 'encrypt', {
      recipient: sender.address.accountId,
      content: { type: 'text', id: crypto.randomUUID(), sentAt: 2, body: 'hi' },
      sealed: false,
      relayUrl: relay.url,
    });
    for (const message of vaultReply.messages) {
      await sender.session.decrypt(vaultAddress, {
        type: message.type === 'prekey' ? 'prekey' : 'message',
        body: decode(message.content),
      });
    }
    await rawSetup.decrypt(sender.address, await sender.session.encrypt(rawAddress, hello));
    await sender.session.decrypt(rawAddress, await rawSetup.encrypt(sender.address, hello));

    const raw = new RawReceiver(
      IdentityKeyPair.deserialize(rawIdentity.identityKeyPair),
      rawIdentity.registrationId,
      rawAddress,
    );
    const setupSession = await rawSetupStore.loadSession(sender.address.accountId, 1);
    if (setupSession === null) throw new Error('raw session missing');
    raw.sessions.set(
      ProtocolAddress.new(sender.address.accountId, 1).toString(),
      SessionRecord.deserialize(setupSession),
    );
    const senderProtocolAddress = ProtocolAddress.new(sender.address.accountId, 1);

    // The traffic: the same texts to both receivers, unsealed then sealed.
    const texts = Array.from(
      { length: messages },
      (_, i) => `Message ${i}: ${'lorem ipsum dolor sit amet '.repeat(3)}`,
    );
    const toVault: { unsealed: Envelope[]; sealed: Envelope[] } = { unsealed: [], sealed: [] };
    const toRaw: { unsealed: Bytes[]; sealed: Bytes[] } = { unsealed: [], sealed: [] };
    let serverTimestamp = 1;
    for (const kind of ['unsealed', 'sealed'] as const) {
      for (const body of texts) {
        const plaintext = encodeContent({ type: 'text', id: crypto.randomUUID(), sentAt: serverTimestamp, body });
        if (kind === 'unsealed') {
          const forVault = await sender.session.encrypt(vaultAddress, plaintext);
          toVault.unsealed.push({
            id: crypto.randomUUID(),
            type: forVault.type,
            source: sender.address,
            destinationDeviceId: 1,
            content: Buffer.from(forVault.body).toString('base64'),
            serverTimestamp: serverTimestamp++,
          });
          toRaw.unsealed.push((await sender.session.encrypt(rawAddress, plaintext)).body);
        } else {
          const forVault = await sealer.encrypt(vaultAddress, plaintext, senderCertificate);
          toVault.sealed.push({
            id: crypto.randomUUID(),
            type: 'sealed',
            destinationDeviceId: 1,
            content: Buffer.from(forVault).toString('base64'),
            serverTimestamp: serverTimestamp++,
          });
          toRaw.sealed.push(await sealer.encrypt(rawAddress, plaintext, senderCertificate));
        }
      }
    }

    const timings = {
      rawUnsealed: 0,
      vaultUnsealed: 0,
      releaseUnsealed: 0,
      rawSealed: 0,
      vaultSealed: 0,
      releaseSealed: 0,
    };
    const rawBatch = async (kind: 'unsealed' | 'sealed', start: number): Promise<number> => {
      const begin = performance.now();
      for (const body of toRaw[kind].slice(start, start + BATCH)) {
        if (kind === 'unsealed') {
          await signalDecrypt(
            SignalMessage.deserialize(body),
            senderProtocolAddress,
            raw.address,
            raw.session,
            raw.identity,
          );
        } else {
          await sealedSenderDecryptMessage(
            body,
            PublicKey.deserialize(relay.trustRoot.publicKey),
            Date.now(),
            null,
            rawAddress.accountId,
            1,
            raw.session,
            raw.identity,
            raw.unused.preKey,
            raw.unused.signedPreKey,
            raw.unused.kyberPreKey,
          );
        }
      }
      return performance.now() - begin;
    };
    const vaultBatch = async (kind: 'unsealed' | 'sealed', start: number): Promise<[number, number]> => {
      const envelopes = toVault[kind].slice(start, start + BATCH);
      const begin = performance.now();
      const { results } = await call(vault, 'decrypt', { relayUrl: relay.url, envelopes });
      const decrypted = performance.now();
      if (results.some((outcome) => !outcome.ok)) throw new Error('a benchmark message failed to decrypt');
      await call(vault, 'releaseDecrypted', { envelopeIds: envelopes.map((envelope) => envelope.id) });
      return [decrypted - begin, performance.now() - decrypted];
    };
    for (const kind of ['unsealed', 'sealed'] as const) {
      for (let start = 0, turn = 0; start < messages; start += BATCH, turn++) {
        // Alternate which side goes first, so neither always runs on a warmer cache.
        let rawTime: number;
        let vaultTimes: [number, number];
        if (turn % 2 === 0) {
          rawTime = await rawBatch(kind, start);
          vaultTimes = await vaultBatch(kind, start);
        } else {
          vaultTimes = await vaultBatch(kind, start);
          rawTime = await rawBatch(kind, start);
        }
        if (kind === 'unsealed') {
          timings.rawUnsealed += rawTime;
          timings.vaultUnsealed += vaultTimes[0];
          timings.releaseUnsealed += vaultTimes[1];
        } else {
          timings.rawSealed += rawTime;
          timings.vaultSealed += vaultTimes[0];
          timings.releaseSealed += vaultTimes[1];
        }
      }
    }
    const perSecond = (ms: number) => Math.round((messages / ms) * 1000);
    return {
      messages,
      batchSize: BATCH,
      rawUnsealedPerSecond: perSecond(timings.rawUnsealed),
      vaultUnsealedPerSecond: perSecond(timings.vaultUnsealed),
      vaultUnsealedWithReleasePerSecond: perSecond(timings.vaultUnsealed + timings.releaseUnsealed),
      unsealedRatio: Number((timings.rawUnsealed / timings.vaultUnsealed).toFixed(3)),
      rawSealedPerSecond: perSecond(timings.rawSealed),
      vaultSealedPerSecond: perSecond(timings.vaultSealed),
      vaultSealedWithReleasePerSecond: perSecond(timings.vaultSealed + timings.releaseSealed),
      sealedRatio: Number((timings.rawSealed / timings.vaultSealed).toFixed(3)),
    };
  } finally {
    await call(vault, 'lock', {});
    rmSync(dirname(profileDir), { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchVaultDecrypt(Number(process.argv[2] ?? 10_000));
  console.log(`vault decrypt, batches of ${figures.batchSize}, ${figures.messages} messages each way`);
  console.log(
    `  unsealed: raw libsignal ${figures.rawUnsealedPerSecond}/s, vault ${figures.vaultUnsealedPerSecond}/s (${figures.vaultUnsealedWithReleasePerSecond}/s with release), ratio ${figures.unsealedRatio}`,
  );
  console.log(
    `  sealed:   raw libsignal ${figures.rawSealedPerSecond}/s, vault ${figures.vaultSealedPerSecond}/s (${figures.vaultSealedWithReleasePerSecond}/s with release), ratio ${figures.sealedRatio}`,
  );
  console.log(JSON.stringify(figures));
}
