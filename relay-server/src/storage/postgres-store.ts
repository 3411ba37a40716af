/**
 * The scale-out RelayStore: PostgreSQL through a `pg` pool, shared by any
 * number of relay nodes. `init()` migrates the schema under an advisory lock
 * (postgres-migrations.ts) and refuses a server that could lose acknowledged
 * commits (postgres-connection.ts).
 *
 * Every multi-statement write is one transaction on one pooled client;
 * single statements are atomic on their own. What keeps concurrent nodes
 * correct is said where it happens: seq order and limits in
 * postgres-sends.ts, one-time prekey claims in postgres-prekeys.ts, sweeps
 * in postgres-envelopes.ts, concurrent registrations in postgres-accounts.ts.
 *
 * Unlike the SQLite store there is no account cache: another node may
 * register or erase an account at any moment, and the lookup is one indexed
 * query.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type pg from 'pg';
import { deleteAccountIn, readAccount, registerDeviceIn, setAccessKeysIn } from './postgres-accounts.js';
import { chargeStoredBytesIn } from './postgres-charges.js';
import {
  inTransaction,
  openPostgresConnection,
  type PostgresConnection,
  type PostgresConnectionSettings,
  RetryCounter,
} from './postgres-connection.js';
import { deleteEnvelopesBatchIn, fetchEnvelopesWith, sweepEnvelopesWith, sweepWith } from './postgres-envelopes.js';
import { claimBundleWith, countPreKeysWith, storePreKeysIn } from './postgres-prekeys.js';
import { commitSendsIn, createInvitesIn, insertEnvelopesIn } from './postgres-sends.js';
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
  TransactionRetries,
} from './relay-store.js';
import { storeClosed } from './relay-store-errors.js';
import { decodeCanonicalBase64 } from './store-input.js';
import { OPEN_REGISTRATION, UNLIMITED_PREKEYS, utcDay } from './store-limits.js';

export type PostgresRelayStoreOptions = PostgresConnectionSettings;

export class PostgresRelayStore implements RelayStore {
  readonly #options: PostgresRelayStoreOptions;
  #connection: PostgresConnection | null = null;
  #opening: Promise<DurabilityReport> | null = null;
  readonly #retries = new RetryCounter();

  constructor(options: PostgresRelayStoreOptions) {
    this.#options = options;
  }

  init(): Promise<DurabilityReport> {
    if (this.#connection !== null) return Promise.resolve(this.#connection.durability);
    this.#opening ??= openPostgresConnection(this.#options)
      .then((connection) => {
        this.#connection = connection;
        return connection.durability;
      })
      .finally(() => {
        this.#opening = null;
      });
    return this.#opening;
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    if (connection === null) return;
    this.#connection = null;
    await connection.pool.end();
  }

  /** The pool, or STORE_CLOSED; looked up per call, so a call after close() rejects. */
  #pool(): pg.Pool {
    if (this.#connection === null) throw storeClosed();
    return this.#connection.pool;
  }

  #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.#pool(), work, this.#retries);
  }

  transactionRetries(): TransactionRetries {
    return this.#retries.snapshot();
  }

  // Challenges.

  async putChallenge(challenge: StoredChallenge): Promise<void> {
    await this.#pool().query(
      'INSERT INTO challenges (challenge, account_id, device_id, expires_at) VALUES ($1, $2, $3, $4)',
      [
        decodeCanonicalBase64(challenge.challenge, 'challenge'),
        challenge.accountId,
        challenge.deviceId,
        challenge.expiresAt,
      ],
    );
  }

  async consumeChallenge(challenge: string, accountId: AccountId, deviceId: number, now: number): Promise<boolean> {
    const pool = this.#pool();
    let bytes: Buffer;
    try {
      bytes = decodeCanonicalBase64(challenge, 'challenge');
    } catch {
      return false; // Not a challenge this store could have issued.
    }
    // One statement: of concurrent presentations (any node) exactly one gets the row; presenting burns it.
    const { rows } = await pool.query<{ account_id: string; device_id: number; expires_at: number }>(
      'DELETE FROM challenges WHERE challenge = $1 RETURNING account_id, device_id, expires_at',
      [bytes],
    );
    const taken = rows[0];
    if (taken === undefined) return false;
    return taken.account_id === accountId && taken.device_id === deviceId && taken.expires_at > now;
  }

  async deleteExpiredChallenges(now: number): Promise<number> {
    return sweepWith(() => this.#pool(), 'challenges', 'challenge', now);
  }

  // Accounts and devices.

  async registerDevice(
    registration: DeviceRegistration,
    rules: RegistrationRules = OPEN_REGISTRATION,
  ): Promise<RegisteredDevice | null> {
    return this.#transaction((client) => registerDeviceIn(client, registration, rules));
  }

  async getAccount(accountId: AccountId): Promise<StoredAccount | null> {
    return readAccount(this.#pool(), accountId);
  }

  async setAccessKeys(accountId: AccountId, keys: AccessKeyHashes): Promise<boolean> {
    return setAccessKeysIn(this.#pool(), accountId, keys);
  }

  async deleteAccount(accountId: AccountId): Promise<boolean> {
    return this.#transaction((client) => deleteAccountIn(client, accountId));
  }

  // Prekeys.

  async storePreKeys(
    accountId: AccountId,
    deviceId: number,
    keys: PreKeyReplenish,
    limits: PreKeyLimits = UNLIMITED_PREKEYS,
  ): Promise<void> {
    await this.#transaction((client) => storePreKeysIn(client, accountId, deviceId, keys, limits));
  }

  async countPreKeys(accountId: AccountId, deviceId: number): Promise<PreKeyCounts> {
    return countPreKeysWith(this.#pool(), accountId, deviceId);
  }

  async claimBundle(accountId: AccountId, deviceId: number): Promise<ClaimedBundle | null> {
    return claimBundleWith(this.#pool(), accountId, deviceId);
  }

  // Invites.

  async createInvites(invites: readonly NewInvite[]): Promise<void> {
    await this.#transaction((client) => createInvitesIn(client, invites));
  }

  async deleteExpiredInvites(now: number): Promise<number> {
    return sweepWith(() => this.#pool(), 'invites', 'code_hash', now);
  }

  // Envelopes.

  async commitSends(sends: readonly NewSend[], limits: SendLimits): Promise<SendOutcome[]> {
    if (sends.length === 0) return [];
    return this.#transaction((client) => commitSendsIn(client, sends, limits));
  }

  async chargeStoredBytes(accountId: AccountId, bytes: number, limits: StoredBytesLimits): Promise<boolean> {
    return this.#transaction((client) => chargeStoredBytesIn(client, accountId, bytes, limits));
  }

  /** Skips rows a send holds (a node whose clock is still on yesterday), so it never waits in the lock order. */
  async deleteExpiredSendUsage(now: number): Promise<number> {
    const result = await this.#pool().query(
      `DELETE FROM send_usage WHERE (account_id, day) IN (
         SELECT account_id, day FROM send_usage WHERE day < $1 FOR UPDATE SKIP LOCKED)`,
      [utcDay(now)],
    );
    return result.rowCount ?? 0;
  }

  async insertEnvelopes(envelopes: readonly NewEnvelope[]): Promise<StoredEnvelope[]> {
    if (envelopes.length === 0) return [];
    return this.#transaction((client) => insertEnvelopesIn(client, envelopes));
  }

  async fetchEnvelopes(
    recipient: AccountId,
    deviceId: number,
    afterSeq: number,
    limit: number,
    now: number,
  ): Promise<StoredEnvelope[]> {
    return fetchEnvelopesWith(this.#pool(), recipient, deviceId, afterSeq, limit, now);
  }

  async deleteEnvelopes(recipient: AccountId, deviceId: number, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) {
      this.#pool();
      return 0;
    }
    const [count] = await this.#transaction((client) =>
      deleteEnvelopesBatchIn(client, [{ recipient, deviceId, ids }], 'durable'),
    );
    return count ?? 0;
  }

  async deleteEnvelopesBatch(deletions: readonly EnvelopeDeletion[]): Promise<number[]> {
    if (deletions.every((deletion) => deletion.ids.length === 0)) {
      this.#pool();
      return deletions.map(() => 0);
    }
    return this.#transaction((client) => deleteEnvelopesBatchIn(client, deletions, 'relaxed'));
  }

  async deleteExpiredEnvelopes(now: number): Promise<number> {
    return sweepEnvelopesWith((work) => this.#transaction(work), now);
  }

  /** From the per-queue usage the triggers keep exact: a sum over queues, not a scan of every envelope (health checks call it). */
  async countEnvelopes(): Promise<number> {
    const { rows } = await this.#pool().query<{ count: number }>(
      'SELECT coalesce(sum(envelopes), 0)::bigint AS count FROM queue_usage',
    );
    return rows[0]?.count ?? 0;
  }
}
