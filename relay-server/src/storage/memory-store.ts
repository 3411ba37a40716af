/**
 * RelayStore in process memory, for unit tests and throwaway experiments.
 * Nothing survives the process. It follows the same contract as the SQLite
 * store (test/storage/relay-store-contract.ts runs against both): every
 * method checks and validates everything before it changes anything, so a
 * refused call leaves the store as it was, and each method runs to completion
 * without awaiting, so calls never interleave.
 */
import type { AccountId, KyberPreKeyWire, OneTimePreKeyWire, SignedPreKeyWire } from '@parley/crypto-core/wire';
import { newGeneration } from './device-generation.js';
import type {
  ClaimedBundle,
  DeviceRegistration,
  DurabilityReport,
  EnvelopeDeletion,
  NewEnvelope,
  PreKeyCounts,
  PreKeyReplenish,
  RegisteredDevice,
  RelayStore,
  StoredAccount,
  StoredChallenge,
  StoredEnvelope,
} from './relay-store.js';
import { duplicateEnvelope, storeClosed, unknownDevice } from './relay-store-errors.js';
import { assertCanonicalBase64, assertCursor, assertLimit } from './store-input.js';
import { storedEnvelope } from './stored-envelope.js';

interface DeviceState {
  readonly deviceId: number;
  readonly createdAt: number;
  readonly installationId: string | null;
  readonly generation: string;
  registrationId: number;
  signedPreKey: SignedPreKeyWire;
  lastResortKyberPreKey: KyberPreKeyWire;
  readonly preKeys: Map<number, OneTimePreKeyWire>;
  readonly kyberPreKeys: Map<number, KyberPreKeyWire>;
}

interface AccountState {
  readonly identityKey: string;
  readonly createdAt: number;
  readonly devices: Map<number, DeviceState>;
}

const MEMORY_DURABILITY: DurabilityReport = {
  engine: 'memory',
  survivesProcessCrash: false,
  survivesPowerLoss: false,
  settings: { persistence: 'none' },
};

function queueKey(recipient: AccountId, deviceId: number): string {
  return `${recipient}/${deviceId}`;
}

// Copies on the way in and out, so no caller can change stored state through an object it holds.
function copySignedPreKey(key: SignedPreKeyWire): SignedPreKeyWire {
  return { keyId: key.keyId, publicKey: key.publicKey, signature: key.signature };
}
function copyKyberPreKey(key: KyberPreKeyWire): KyberPreKeyWire {
  return { keyId: key.keyId, publicKey: key.publicKey, signature: key.signature };
}
function copyOneTimePreKey(key: OneTimePreKeyWire): OneTimePreKeyWire {
  return { keyId: key.keyId, publicKey: key.publicKey };
}
function copyEnvelope(envelope: StoredEnvelope): StoredEnvelope {
  return storedEnvelope(envelope, envelope.seq);
}

function checkSignedPreKey(key: SignedPreKeyWire): void {
  assertCanonicalBase64(key.publicKey, 'signed prekey');
  assertCanonicalBase64(key.signature, 'signed prekey signature');
}
function checkKyberPreKey(key: KyberPreKeyWire): void {
  assertCanonicalBase64(key.publicKey, 'Kyber prekey');
  assertCanonicalBase64(key.signature, 'Kyber prekey signature');
}
function checkOneTimePreKey(key: OneTimePreKeyWire): void {
  assertCanonicalBase64(key.publicKey, 'one-time prekey');
}

/** Removes and returns the entry with the lowest key id (the order the SQLite store hands keys out in). */
function takeLowest<K>(keys: Map<number, K>): K | null {
  let lowest: number | undefined;
  for (const keyId of keys.keys()) if (lowest === undefined || keyId < lowest) lowest = keyId;
  if (lowest === undefined) return null;
  const key = keys.get(lowest) ?? null;
  keys.delete(lowest);
  return key;
}

export class MemoryRelayStore implements RelayStore {
  #open = false;
  readonly #accounts = new Map<AccountId, AccountState>();
  /** Per (recipient, device): envelopes in seq order. */
  readonly #queues = new Map<string, StoredEnvelope[]>();
  /** Envelope id -> its queue key, for duplicate detection. */
  readonly #envelopeQueues = new Map<string, string>();
  readonly #challenges = new Map<string, StoredChallenge>();
  /** One counter for all queues, never reset: seq never goes backwards, even across deletes. */
  #lastSeq = 0;

  async init(): Promise<DurabilityReport> {
    this.#open = true;
    return MEMORY_DURABILITY;
  }

  async close(): Promise<void> {
    this.#open = false;
  }

  #requireOpen(): void {
    if (!this.#open) throw storeClosed();
  }

  #device(accountId: AccountId, deviceId: number): DeviceState | undefined {
    return this.#accounts.get(accountId)?.devices.get(deviceId);
  }

  // Challenges.

  async putChallenge(challenge: StoredChallenge): Promise<void> {
    this.#requireOpen();
    assertCanonicalBase64(challenge.challenge, 'challenge');
    this.#challenges.set(challenge.challenge, { ...challenge });
  }

  async consumeChallenge(challenge: string, accountId: AccountId, deviceId: number, now: number): Promise<boolean> {
    this.#requireOpen();
    const stored = this.#challenges.get(challenge);
    if (stored === undefined) return false;
    // Presenting a challenge burns it, whoever presents it: one attempt per challenge.
    this.#challenges.delete(challenge);
    return stored.accountId === accountId && stored.deviceId === deviceId && stored.expiresAt > now;
  }

  async deleteExpiredChallenges(now: number): Promise<number> {
    this.#requireOpen();
    let removed = 0;
    for (const [key, stored] of this.#challenges) {
      if (stored.expiresAt <= now) {
        this.#challenges.delete(key);
        removed++;
      }
    }
    return removed;
  }

  // Accounts and devices.

  async registerDevice(registration: DeviceRegistration): Promise<RegisteredDevice | null> {
    this.#requireOpen();
    assertCanonicalBase64(registration.identityKey, 'identity key');
    assertCanonicalBase64(registration.installationId, 'installation id');
    checkSignedPreKey(registration.signedPreKey);
    checkKyberPreKey(registration.lastResortKyberPreKey);
    registration.preKeys.forEach(checkOneTimePreKey);
    registration.kyberPreKeys.forEach(checkKyberPreKey);

    let account = this.#accounts.get(registration.accountId);
    if (account !== undefined && account.identityKey !== registration.identityKey) return null;
    if (account === undefined) {
      account = { identityKey: registration.identityKey, createdAt: registration.now, devices: new Map() };
      this.#accounts.set(registration.accountId, account);
    }
    const previous = account.devices.get(registration.deviceId);
    const takenOver = previous !== undefined && previous.installationId !== registration.installationId;
    const droppedEnvelopes = takenOver ? this.#dropQueue(queueKey(registration.accountId, registration.deviceId)) : 0;
    const preKeys = new Map<number, OneTimePreKeyWire>();
    for (const key of registration.preKeys) if (!preKeys.has(key.keyId)) preKeys.set(key.keyId, copyOneTimePreKey(key));
    const kyberPreKeys = new Map<number, KyberPreKeyWire>();
    for (const key of registration.kyberPreKeys) {
      if (!kyberPreKeys.has(key.keyId)) kyberPreKeys.set(key.keyId, copyKyberPreKey(key));
    }
    const generation = newGeneration();
    account.devices.set(registration.deviceId, {
      deviceId: registration.deviceId,
      // A re-registered device keeps the time it first appeared.
      createdAt: previous?.createdAt ?? registration.now,
      installationId: registration.installationId,
      generation,
      registrationId: registration.registrationId,
      signedPreKey: copySignedPreKey(registration.signedPreKey),
      lastResortKyberPreKey: copyKyberPreKey(registration.lastResortKyberPreKey),
      preKeys,
      kyberPreKeys,
    });
    return { generation, takenOver, droppedEnvelopes };
  }

  async getAccount(accountId: AccountId): Promise<StoredAccount | null> {
    this.#requireOpen();
    const account = this.#accounts.get(accountId);
    if (account === undefined) return null;
    const devices = [...account.devices.values()]
      .sort((a, b) => a.deviceId - b.deviceId)
      .map((device) => ({
        deviceId: device.deviceId,
        registrationId: device.registrationId,
        createdAt: device.createdAt,
        installationId: device.installationId,
        generation: device.generation,
      }));
    return { accountId, identityKey: account.identityKey, createdAt: account.createdAt, devices };
  }

  async deleteAccount(accountId: AccountId): Promise<boolean> {
    this.#requireOpen();
    const existed = this.#accounts.delete(accountId);
    this.#removeEnvelopes((envelope) => envelope.recipient === accountId || envelope.source?.accountId === accountId);
    for (const [key, challenge] of this.#challenges) {
      if (challenge.accountId === accountId) this.#challenges.delete(key);
    }
    return existed;
  }

  // Prekeys.

  async storePreKeys(accountId: AccountId, deviceId: number, keys: PreKeyReplenish): Promise<void> {
    this.#requireOpen();
    const device = this.#device(accountId, deviceId);
    if (device === undefined) throw unknownDevice(accountId, deviceId);
    if (keys.signedPreKey !== undefined) checkSignedPreKey(keys.signedPreKey);
    if (keys.lastResortKyberPreKey !== undefined) checkKyberPreKey(keys.lastResortKyberPreKey);
    keys.preKeys.forEach(checkOneTimePreKey);
    keys.kyberPreKeys.forEach(checkKyberPreKey);

    if (keys.signedPreKey !== undefined) device.signedPreKey = copySignedPreKey(keys.signedPreKey);
    if (keys.lastResortKyberPreKey !== undefined) {
      device.lastResortKyberPreKey = copyKyberPreKey(keys.lastResortKyberPreKey);
    }
    for (const key of keys.preKeys) {
      if (!device.preKeys.has(key.keyId)) device.preKeys.set(key.keyId, copyOneTimePreKey(key));
    }
    for (const key of keys.kyberPreKeys) {
      if (!device.kyberPreKeys.has(key.keyId)) device.kyberPreKeys.set(key.keyId, copyKyberPreKey(key));
    }
  }

  async countPreKeys(accountId: AccountId, deviceId: number): Promise<PreKeyCounts> {
    this.#requireOpen();
    const device = this.#device(accountId, deviceId);
    return { preKeys: device?.preKeys.size ?? 0, kyberPreKeys: device?.kyberPreKeys.size ?? 0 };
  }

  async claimBundle(accountId: AccountId, deviceId: number): Promise<ClaimedBundle | null> {
    this.#requireOpen();
    const account = this.#accounts.get(accountId);
    const device = account?.devices.get(deviceId);
    if (account === undefined || device === undefined) return null;
    const preKey = takeLowest(device.preKeys);
    const oneTimeKyber = takeLowest(device.kyberPreKeys);
    return {
      accountId,
      deviceId,
      registrationId: device.registrationId,
      identityKey: account.identityKey,
      signedPreKey: copySignedPreKey(device.signedPreKey),
      preKey,
      kyberPreKey: oneTimeKyber ?? copyKyberPreKey(device.lastResortKyberPreKey),
      kyberPreKeyIsLastResort: oneTimeKyber === null,
    };
  }

  // Envelopes.

  async insertEnvelopes(envelopes: readonly NewEnvelope[]): Promise<StoredEnvelope[]> {
    this.#requireOpen();
    const idsInBatch = new Set<string>();
    envelopes.forEach((envelope, index) => {
      if (this.#envelopeQueues.has(envelope.id) || idsInBatch.has(envelope.id)) {
        throw duplicateEnvelope(envelope.id, index);
      }
      idsInBatch.add(envelope.id);
    });

    const stored: StoredEnvelope[] = [];
    for (const envelope of envelopes) {
      this.#lastSeq++;
      const record = storedEnvelope(envelope, this.#lastSeq);
      const key = queueKey(envelope.recipient, envelope.deviceId);
      const queue = this.#queues.get(key);
      if (queue === undefined) this.#queues.set(key, [record]);
      else queue.push(record);
      this.#envelopeQueues.set(envelope.id, key);
      stored.push(copyEnvelope(record));
    }
    return stored;
  }

  async fetchEnvelopes(
    recipient: AccountId,
    deviceId: number,
    afterSeq: number,
    limit: number,
    now: number,
  ): Promise<StoredEnvelope[]> {
    this.#requireOpen();
    assertCursor(afterSeq);
    assertLimit(limit);
    const page: StoredEnvelope[] = [];
    if (limit < 1) return page;
    for (const envelope of this.#queues.get(queueKey(recipient, deviceId)) ?? []) {
      if (envelope.seq <= afterSeq || envelope.expiresAt <= now) continue;
      page.push(copyEnvelope(envelope));
      if (page.length === limit) break;
    }
    return page;
  }

  async deleteEnvelopes(recipient: AccountId, deviceId: number, ids: readonly string[]): Promise<number> {
    this.#requireOpen();
    return this.#deleteFromQueue(recipient, deviceId, ids);
  }

  async deleteEnvelopesBatch(deletions: readonly EnvelopeDeletion[]): Promise<number[]> {
    this.#requireOpen();
    // Nothing here can fail half-way, so applying them one by one is all-or-nothing too.
    return deletions.map((deletion) => this.#deleteFromQueue(deletion.recipient, deletion.deviceId, deletion.ids));
  }

  #deleteFromQueue(recipient: AccountId, deviceId: number, ids: readonly string[]): number {
    const key = queueKey(recipient, deviceId);
    const queue = this.#queues.get(key);
    if (queue === undefined) return 0;
    const doomed = new Set(ids.filter((id) => this.#envelopeQueues.get(id) === key));
    if (doomed.size === 0) return 0;
    for (const id of doomed) this.#envelopeQueues.delete(id);
    const kept = queue.filter((envelope) => !doomed.has(envelope.id));
    if (kept.length === 0) this.#queues.delete(key);
    else this.#queues.set(key, kept);
    return doomed.size;
  }

  async deleteExpiredEnvelopes(now: number): Promise<number> {
    this.#requireOpen();
    return this.#removeEnvelopes((envelope) => envelope.expiresAt <= now);
  }

  async countEnvelopes(): Promise<number> {
    this.#requireOpen();
    return this.#envelopeQueues.size;
  }

  /** Removes one device's whole queue; returns how many envelopes went. */
  #dropQueue(key: string): number {
    const queue = this.#queues.get(key) ?? [];
    for (const envelope of queue) this.#envelopeQueues.delete(envelope.id);
    this.#queues.delete(key);
    return queue.length;
  }

  /** Removes every queued envelope `doomed` selects; returns how many went. */
  #removeEnvelopes(doomed: (envelope: StoredEnvelope) => boolean): number {
    let removed = 0;
    for (const [key, queue] of this.#queues) {
      const kept: StoredEnvelope[] = [];
      for (const envelope of queue) {
        if (doomed(envelope)) this.#envelopeQueues.delete(envelope.id);
        else kept.push(envelope);
      }
      removed += queue.length - kept.length;
      if (kept.length === 0) this.#queues.delete(key);
      else if (kept.length !== queue.length) this.#queues.set(key, kept);
    }
    return removed;
  }
}
