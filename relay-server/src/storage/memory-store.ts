/**
 * RelayStore in process memory, for unit tests and throwaway experiments.
 * Nothing survives the process. It follows the same contract as the SQLite
 * store (test/storage/relay-store-contract.ts runs against both): every
 * method checks and validates everything before it changes anything, so a
 * refused call leaves the store as it was, and each method runs to completion
 * without awaiting, so calls never interleave.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { newGeneration } from './device-generation.js';
import {
  type AccountState,
  checkKyberPreKey,
  checkOneTimePreKey,
  checkSignedPreKey,
  copyEnvelope,
  copyKyberPreKey,
  copyOneTimePreKey,
  copySignedPreKey,
  type DeviceState,
  MEMORY_DURABILITY,
  queueKey,
  takeLowest,
  withAddedKeys,
} from './memory-store-records.js';
import type {
  AccessKeyHashes,
  AccountAdmission,
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
  StoredChallenge,
  StoredEnvelope,
} from './relay-store.js';
import { accountRefused, duplicateEnvelope, invalidInput, storeClosed, unknownDevice } from './relay-store-errors.js';
import { assertCanonicalBase64, assertCursor, assertLimit } from './store-input.js';
import {
  envelopeBytes,
  OPEN_REGISTRATION,
  type QueueUsage,
  refusalOf,
  sendBytes,
  UNLIMITED_PREKEYS,
  utcDay,
} from './store-limits.js';
import { storedEnvelope } from './stored-envelope.js';

export class MemoryRelayStore implements RelayStore {
  #open = false;
  readonly #accounts = new Map<AccountId, AccountState>();
  /** Per (recipient, device): envelopes in seq order. */
  readonly #queues = new Map<string, StoredEnvelope[]>();
  /** Envelope id -> its queue key, for duplicate detection. */
  readonly #envelopeQueues = new Map<string, string>();
  readonly #challenges = new Map<string, StoredChallenge>();
  /** Invite code hash -> its expiry. */
  readonly #invites = new Map<string, number>();
  /** Per sending account: the UTC day and the bytes charged on it. */
  readonly #sentToday = new Map<AccountId, { day: number; bytes: number }>();
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

  async registerDevice(
    registration: DeviceRegistration,
    rules: RegistrationRules = OPEN_REGISTRATION,
  ): Promise<RegisteredDevice | null> {
    this.#requireOpen();
    assertCanonicalBase64(registration.identityKey, 'identity key');
    assertCanonicalBase64(registration.installationId, 'installation id');
    checkSignedPreKey(registration.signedPreKey);
    checkKyberPreKey(registration.lastResortKyberPreKey);
    registration.preKeys.forEach(checkOneTimePreKey);
    registration.kyberPreKeys.forEach(checkKyberPreKey);
    const limits = rules.preKeyLimits;
    const preKeys = withAddedKeys(new Map(), registration.preKeys, 'preKeys', limits.maxPreKeys, copyOneTimePreKey);
    const kyberPreKeys = withAddedKeys(
      new Map(),
      registration.kyberPreKeys,
      'kyberPreKeys',
      limits.maxKyberPreKeys,
      copyKyberPreKey,
    );

    let account = this.#accounts.get(registration.accountId);
    if (account !== undefined && account.identityKey !== registration.identityKey) return null;
    if (account === undefined) {
      this.#admit(rules.admission, registration.now);
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
    const droppedEnvelopes = takenOver ? this.#dropQueue(queueKey(registration.accountId, registration.deviceId)) : 0;
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

  /** Lets a new account in under `admission`, consuming its invite; throws the refusal otherwise. */
  #admit(admission: AccountAdmission, now: number): void {
    if (admission.policy === 'open') return;
    if (admission.policy === 'closed') throw accountRefused('REGISTRATION_CLOSED');
    if (admission.inviteCodeHash === null) throw accountRefused('INVITE_REQUIRED');
    const expiresAt = this.#invites.get(admission.inviteCodeHash);
    if (expiresAt === undefined || expiresAt <= now) throw accountRefused('INVITE_INVALID');
    this.#invites.delete(admission.inviteCodeHash);
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
    this.#removeEnvelopes((envelope) => envelope.recipient === accountId || envelope.source?.accountId === accountId);
    for (const [key, challenge] of this.#challenges) {
      if (challenge.accountId === accountId) this.#challenges.delete(key);
    }
    this.#sentToday.delete(accountId);
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
    if (keys.signedPreKey !== undefined) checkSignedPreKey(keys.signedPreKey);
    if (keys.lastResortKyberPreKey !== undefined) checkKyberPreKey(keys.lastResortKyberPreKey);
    keys.preKeys.forEach(checkOneTimePreKey);
    keys.kyberPreKeys.forEach(checkKyberPreKey);
    // Both kinds are checked before either changes: a refused upload leaves everything as it was.
    const preKeys = withAddedKeys(device.preKeys, keys.preKeys, 'preKeys', limits.maxPreKeys, copyOneTimePreKey);
    const kyberPreKeys = withAddedKeys(
      device.kyberPreKeys,
      keys.kyberPreKeys,
      'kyberPreKeys',
      limits.maxKyberPreKeys,
      copyKyberPreKey,
    );

    if (keys.signedPreKey !== undefined) device.signedPreKey = copySignedPreKey(keys.signedPreKey);
    if (keys.lastResortKyberPreKey !== undefined) {
      device.lastResortKyberPreKey = copyKyberPreKey(keys.lastResortKyberPreKey);
    }
    device.preKeys = preKeys;
    device.kyberPreKeys = kyberPreKeys;
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

  // Invites.

  async createInvites(invites: readonly NewInvite[]): Promise<void> {
    this.#requireOpen();
    const hashes = new Set<string>();
    for (const invite of invites) {
      assertCanonicalBase64(invite.codeHash, 'invite code hash');
      if (this.#invites.has(invite.codeHash) || hashes.has(invite.codeHash)) {
        throw invalidInput('an invite code hash is already stored');
      }
      hashes.add(invite.codeHash);
    }
    for (const invite of invites) this.#invites.set(invite.codeHash, invite.expiresAt);
  }

  async deleteExpiredInvites(now: number): Promise<number> {
    this.#requireOpen();
    let removed = 0;
    for (const [hash, expiresAt] of this.#invites) {
      if (expiresAt <= now) {
        this.#invites.delete(hash);
        removed++;
      }
    }
    return removed;
  }

  // Envelopes.

  async commitSends(sends: readonly NewSend[], limits: SendLimits): Promise<SendOutcome[]> {
    this.#requireOpen();
    this.#assertNewIds(sends.flatMap((send) => send.envelopes));
    const day = utcDay(limits.now);
    // Nothing below can fail, so deciding and applying send by send is all-or-nothing per send.
    const ledger = {
      sentOn: (accountId: AccountId, onDay: number) => {
        const sent = this.#sentToday.get(accountId);
        return sent !== undefined && sent.day === onDay ? sent.bytes : 0;
      },
      queued: (recipient: AccountId, deviceId: number) => this.#queueUsage(queueKey(recipient, deviceId)),
    };
    return sends.map((send): SendOutcome => {
      const refusal = refusalOf(send, limits, ledger);
      if (refusal !== null) return { ok: false, refusal };
      if (send.sender !== null) {
        this.#sentToday.set(send.sender, { day, bytes: ledger.sentOn(send.sender, day) + sendBytes(send) });
      }
      return { ok: true, stored: this.#append(send.envelopes) };
    });
  }

  async deleteExpiredSendUsage(now: number): Promise<number> {
    this.#requireOpen();
    const today = utcDay(now);
    let removed = 0;
    for (const [accountId, sent] of this.#sentToday) {
      if (sent.day < today) {
        this.#sentToday.delete(accountId);
        removed++;
      }
    }
    return removed;
  }

  #queueUsage(key: string): QueueUsage {
    const queue = this.#queues.get(key) ?? [];
    let bytes = 0;
    for (const envelope of queue) bytes += envelopeBytes(envelope);
    return { envelopes: queue.length, bytes };
  }

  /** DUPLICATE_ENVELOPE for an id already stored or repeated in `envelopes`. */
  #assertNewIds(envelopes: readonly NewEnvelope[]): void {
    const idsInBatch = new Set<string>();
    envelopes.forEach((envelope, index) => {
      if (this.#envelopeQueues.has(envelope.id) || idsInBatch.has(envelope.id)) {
        throw duplicateEnvelope(envelope.id, index);
      }
      idsInBatch.add(envelope.id);
    });
  }

  async insertEnvelopes(envelopes: readonly NewEnvelope[]): Promise<StoredEnvelope[]> {
    this.#requireOpen();
    this.#assertNewIds(envelopes);
    return this.#append(envelopes);
  }

  /** Appends envelopes to their queues (ids already checked); returns copies with their seqs. */
  #append(envelopes: readonly NewEnvelope[]): StoredEnvelope[] {
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
