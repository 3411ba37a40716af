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
 * content decoding, one SQLite commit with fsync per batch), each call also
 * releasing the batch before it, as the engine does (`release`). Wall time
 * and this process's CPU time are both reported: on a shared machine the
 * CPU-time ratio is the steadier one.
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

/** Wall and CPU (user + system, this process) milliseconds of `work`. */
async function measured<T>(work: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(cpu);
  return { value, wallMs: performance.now() - wall, cpuMs: (used.user + used.system) / 1000 };
}

function decode(text: string): Bytes {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export interface VaultDecryptFigures {
  readonly messages: number;
  readonly batchSize: number;
  readonly rawUnsealedPerSecond: number;
  /** Each decrypt call also releasing the batch before it, as the engine calls it. */
  readonly vaultUnsealedPerSecond: number;
  /** raw / vault, wall time. */
  readonly unsealedRatio: number;
  /** raw / vault, CPU time of this process: less sensitive to what else runs on the machine. */
  readonly unsealedCpuRatio: number;
  readonly rawSealedPerSecond: number;
  readonly vaultSealedPerSecond: number;
  readonly sealedRatio: number;
  readonly sealedCpuRatio: number;
  readonly rawSealedCpuMsPerMessage: number;
  readonly vaultSealedCpuMsPerMessage: number;
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

    type Kind = 'unsealed' | 'sealed';
    const spent = { raw: { unsealed: [0, 0], sealed: [0, 0] }, vault: { unsealed: [0, 0], sealed: [0, 0] } };
    const add = (side: 'raw' | 'vault', kind: Kind, wallMs: number, cpuMs: number) => {
      const totals = spent[side][kind];
      totals[0] = (totals[0] ?? 0) + wallMs;
      totals[1] = (totals[1] ?? 0) + cpuMs;
    };
    const trustRoot = PublicKey.deserialize(relay.trustRoot.publicKey);
    const rawBatch = async (kind: Kind, start: number) => {
      const { wallMs, cpuMs } = await measured(async () => {
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
              trustRoot,
              Date.now(),
              null,
              rawAddress.accountId,
              1,
              raw.session,
              raw.identity,
              raw.preKey,
              raw.signedPreKey,
              raw.kyberPreKey,
            );
          }
        }
      });
      add('raw', kind, wallMs, cpuMs);
    };
    // As the engine calls it: each decrypt also releases the batch committed before it.
    let committed: string[] = [];
    const vaultBatch = async (kind: Kind, start: number) => {
      const envelopes = toVault[kind].slice(start, start + BATCH);
      const release = committed;
      const { value, wallMs, cpuMs } = await measured(() =>
        call(vault, 'decrypt', { relayUrl: relay.url, envelopes, ...(release.length > 0 ? { release } : {}) }),
      );
      if (value.results.some((outcome) => !outcome.ok)) throw new Error('a benchmark message failed to decrypt');
      committed = envelopes.map((envelope) => envelope.id);
      add('vault', kind, wallMs, cpuMs);
    };
    for (const kind of ['unsealed', 'sealed'] as const) {
      for (let start = 0, turn = 0; start < messages; start += BATCH, turn++) {
        // Alternate which side goes first, so neither always runs on a warmer cache.
        if (turn % 2 === 0) {
          await rawBatch(kind, start);
          await vaultBatch(kind, start);
        } else {
          await vaultBatch(kind, start);
          await rawBatch(kind, start);
        }
      }
    }
    await call(vault, 'releaseDecrypted', { envelopeIds: committed });
    const perSecond = (ms: number | undefined) => Math.round((messages / (ms ?? Number.NaN)) * 1000);
    const ratio = (raw: number | undefined, vaulted: number | undefined) =>
      Number(((raw ?? Number.NaN) / (vaulted ?? Number.NaN)).toFixed(3));
    return {
      messages,
      batchSize: BATCH,
      rawUnsealedPerSecond: perSecond(spent.raw.unsealed[0]),
      vaultUnsealedPerSecond: perSecond(spent.vault.unsealed[0]),
      unsealedRatio: ratio(spent.raw.unsealed[0], spent.vault.unsealed[0]),
      unsealedCpuRatio: ratio(spent.raw.unsealed[1], spent.vault.unsealed[1]),
      rawSealedPerSecond: perSecond(spent.raw.sealed[0]),
      vaultSealedPerSecond: perSecond(spent.vault.sealed[0]),
      sealedRatio: ratio(spent.raw.sealed[0], spent.vault.sealed[0]),
      sealedCpuRatio: ratio(spent.raw.sealed[1], spent.vault.sealed[1]),
      rawSealedCpuMsPerMessage: Number(((spent.raw.sealed[1] ?? 0) / messages).toFixed(4)),
      vaultSealedCpuMsPerMessage: Number(((spent.vault.sealed[1] ?? 0) / messages).toFixed(4)),
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
    `  unsealed: raw libsignal ${figures.rawUnsealedPerSecond}/s, vault ${figures.vaultUnsealedPerSecond}/s, ratio ${figures.unsealedRatio} (CPU time ratio ${figures.unsealedCpuRatio})`,
  );
  console.log(
    `  sealed:   raw libsignal ${figures.rawSealedPerSecond}/s, vault ${figures.vaultSealedPerSecond}/s, ratio ${figures.sealedRatio} (CPU time ratio ${figures.sealedCpuRatio}; ${figures.rawSealedCpuMsPerMessage} vs ${figures.vaultSealedCpuMsPerMessage} CPU ms per message)`,
  );
  console.log(JSON.stringify(figures));
}
