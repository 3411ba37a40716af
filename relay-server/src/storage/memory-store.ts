/**
 * RelayStore in process memory, for unit tests and throwaway experiments.
 * Nothing survives the process. It follows the same contract as the SQLite
 * store (test/storage/relay-store-contract.ts runs against both): every
 * method checks and validates everything before it changes anything, so a
 * refused call leaves the store as it was, and each method runs to completion
 * without awaiting, so calls never interleave.
 *
 * This class holds the accounts and composes the features, each in its own
 * module: queues (memory-queues.ts), sends under limits (memory-sends.ts),
 * prekeys (memory-prekeys.ts), invites (memory-invites.ts), challenges
 * (memory-challenges.ts), records and copies (memory-store-records.ts).
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { newGeneration } from './device-generation.js';
import { MemoryChallenges } from './memory-challenges.js';
import { MemoryInvites } from './memory-invites.js';
import { claimBundleFrom, registeredDevice, registrationKeys, replenishPreKeys } from './memory-prekeys.js';
import { MemoryQueues } from './memory-queues.js';
import { commitSendsTo, MemorySendUsage } from './memory-sends.js';
import { type AccountState, type DeviceState, MEMORY_DURABILITY } from './memory-store-records.js';
import type {
  AccessKeyHashes,
  ClaimedBundle,
  DeviceRegistration,
  DurabilityReport,
  EnvelopeDeletion,
  NewEnvelope,
  NewInvite,
  NewSend,
  PreKeyCounts,
  PreKeyLimits,
  PreKeyReplenish,
  RegisteredDevice,
  RegistrationRules,
  RelayStore,
  SendLimits,
  SendOutcome,
  StoredAccount,
  StoredBytesLimits,
  StoredChallenge,
  StoredEnvelope,
} from './relay-store.js';
import { storeClosed, unknownDevice } from './relay-store-errors.js';
import { assertCanonicalBase64, assertCursor, assertLimit } from './store-input.js';
import { OPEN_REGISTRATION, UNLIMITED_PREKEYS } from './store-limits.js';

export class MemoryRelayStore implements RelayStore {
  #open = false;
  readonly #accounts = new Map<AccountId, AccountState>();
  readonly #queues = new MemoryQueues();
  readonly #challenges = new MemoryChallenges();
  readonly #invites = new MemoryInvites();
  readonly #sendUsage = new MemorySendUsage();

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
    this.#challenges.put(challenge);
  }

  async consumeChallenge(challenge: string, accountId: AccountId, deviceId: number, now: number): Promise<boolean> {
    this.#requireOpen();
    return this.#challenges.consume(challenge, accountId, deviceId, now);
  }

  async deleteExpiredChallenges(now: number): Promise<number> {
    this.#requireOpen();
    return this.#challenges.deleteExpired(now);
  }

  // Accounts and devices.

  async registerDevice(
    registration: DeviceRegistration,
    rules: RegistrationRules = OPEN_REGISTRATION,
  ): Promise<RegisteredDevice | null> {
    this.#requireOpen();
    assertCanonicalBase64(registration.identityKey, 'identity key');
    assertCanonicalBase64(registration.installationId, 'installation id');
    const keys = registrationKeys(registration, rules.preKeyLimits);

    let account = this.#accounts.get(registration.accountId);
    if (account !== undefined && account.identityKey !== registration.identityKey) return null;
    if (account === undefined) {
      this.#invites.admit(rules.admission, registration.now);
      account = {
        identityKey: registration.identityKey,
        createdAt: registration.now,
        devices: new Map(),
        accessKeys: null,
      };
      this.#accounts.set(registration.accountId, account);
    }
    const previous = account.devices.get(registration.deviceId);
    // Everything that can refuse has run: only now may a takeover drop the queue.
    const takenOver = previous !== undefined && previous.installationId !== registration.installationId;
    const droppedEnvelopes = takenOver ? this.#queues.drop(registration.accountId, registration.deviceId) : 0;
    const generation = newGeneration();
    account.devices.set(registration.deviceId, registeredDevice(registration, keys, generation, previous));
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
    const accessKeys = account.accessKeys === null ? null : { ...account.accessKeys };
    return { accountId, identityKey: account.identityKey, createdAt: account.createdAt, devices, accessKeys };
  }

  async setAccessKeys(accountId: AccountId, keys: AccessKeyHashes): Promise<boolean> {
    this.#requireOpen();
    assertCanonicalBase64(keys.codeKeyHash, 'code key hash');
    assertCanonicalBase64(keys.contactKeyHash, 'contact key hash');
    const account = this.#accounts.get(accountId);
    if (account === undefined) return false;
    account.accessKeys = { codeKeyHash: keys.codeKeyHash, contactKeyHash: keys.contactKeyHash };
    return true;
  }

  async deleteAccount(accountId: AccountId): Promise<boolean> {
    this.#requireOpen();
    const existed = this.#accounts.delete(accountId);
    this.#queues.removeWhere(
      (envelope) => envelope.recipient === accountId || envelope.source?.accountId === accountId,
    );
    this.#challenges.deleteOf(accountId);
    this.#sendUsage.deleteOf(accountId);
    return existed;
  }

  // Prekeys.

  async storePreKeys(
    accountId: AccountId,
    deviceId: number,
    keys: PreKeyReplenish,
    limits: PreKeyLimits = UNLIMITED_PREKEYS,
  ): Promise<void> {
    this.#requireOpen();
    const device = this.#device(accountId, deviceId);
    if (device === undefined) throw unknownDevice(accountId, deviceId);
    replenishPreKeys(device, keys, limits);
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
    return claimBundleFrom(accountId, account, device);
  }

  // Invites.

  async createInvites(invites: readonly NewInvite[]): Promise<void> {
    this.#requireOpen();
    this.#invites.create(invites);
  }

  async deleteExpiredInvites(now: number): Promise<number> {
    this.#requireOpen();
    return this.#invites.deleteExpired(now);
  }

  // Envelopes.

  async commitSends(sends: readonly NewSend[], limits: SendLimits): Promise<SendOutcome[]> {
    this.#requireOpen();
    return commitSendsTo(this.#queues, this.#sendUsage, sends, limits);
  }

  async chargeStoredBytes(accountId: AccountId, bytes: number, limits: StoredBytesLimits): Promise<boolean> {
    this.#requireOpen();
    return this.#sendUsage.chargeWithin(accountId, bytes, limits);
  }

  async deleteExpiredSendUsage(now: number): Promise<number> {
    this.#requireOpen();
    return this.#sendUsage.deleteExpired(now);
  }

  async insertEnvelopes(envelopes: readonly NewEnvelope[]): Promise<StoredEnvelope[]> {
    this.#requireOpen();
    this.#queues.assertNewIds(envelopes);
    return this.#queues.append(envelopes);
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
    return this.#queues.fetch(recipient, deviceId, afterSeq, limit, now);
  }

  async deleteEnvelopes(recipient: AccountId, deviceId: number, ids: readonly string[]): Promise<number> {
    this.#requireOpen();
    return this.#queues.delete(recipient, deviceId, ids);
  }

  async deleteEnvelopesBatch(deletions: readonly EnvelopeDeletion[]): Promise<number[]> {
    this.#requireOpen();
    // Nothing here can fail half-way, so applying them one by one is all-or-nothing too.
    return deletions.map((deletion) => this.#queues.delete(deletion.recipient, deletion.deviceId, deletion.ids));
  }

  async deleteExpiredEnvelopes(now: number): Promise<number> {
    this.#requireOpen();
    return this.#queues.removeWhere((envelope) => envelope.expiresAt <= now);
  }

  async countEnvelopes(): Promise<number> {
    this.#requireOpen();
    return this.#queues.count;
  }
}
