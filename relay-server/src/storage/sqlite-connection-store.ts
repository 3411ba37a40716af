/**
 * The SQLite RelayStore on one connection, in the thread that calls it: one
 * SQLite file in the data folder (better-sqlite3, WAL, synchronous=FULL
 * unless configured otherwise). The relay does not call it from its event
 * loop: SqliteRelayStore (sqlite-store.ts) runs it in a writer thread
 * (sqlite-writer-thread.ts) and reads through a connection of its own.
 *
 * better-sqlite3 answers synchronously; the methods are `async` all the same,
 * so callers only ever see promises (as they will from PostgreSQL) and a
 * thrown SQLite error becomes a rejection. A method runs its statements
 * without awaiting in between, so calls in one process never interleave; every
 * multi-statement write is one BEGIN IMMEDIATE transaction, which takes the
 * write lock before reading, so calls from several processes on the same file
 * serialize too (the busy timeout makes them wait instead of failing).
 *
 * Base64 key fields are decoded (to BLOBs) before a transaction begins, so a
 * refused argument never leaves a transaction half done and transactions
 * stay short. Envelope content is stored as the text it arrived as.
 *
 * This class owns the connection and the account cache and delegates each
 * feature to its module: connection (sqlite-connection.ts), accounts and
 * access keys (sqlite-accounts.ts), registration and prekeys
 * (sqlite-prekeys.ts), sends and invites (sqlite-sends.ts), envelope reads,
 * acknowledgements and sweeps (sqlite-envelopes.ts).
 */
import type { AccountId } from '@parley/crypto-core/wire';
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
import { storeClosed } from './relay-store-errors.js';
import {
  DEFAULT_ACCOUNT_CACHE_MAX_STALENESS_MS,
  deleteAccountIn,
  SqliteAccountReader,
  setAccessKeysIn,
} from './sqlite-accounts.js';
import { chargeStoredBytesIn } from './sqlite-charges.js';
import {
  backupDatabase,
  closeSqliteConnection,
  openSqliteConnection,
  type SqliteConnection,
  type SqliteConnectionSettings,
  type SqliteLocation,
} from './sqlite-connection.js';
import { deleteEnvelopesBatchIn, deleteEnvelopesIn, fetchEnvelopesIn, sweepInChunks } from './sqlite-envelopes.js';
import { claimBundleIn, registerDeviceIn, storePreKeysIn } from './sqlite-prekeys.js';
import { commitSendsIn, createInvitesIn, insertEnvelopesIn } from './sqlite-sends.js';
import { SWEEP_CHUNK_ROWS } from './sqlite-statements.js';
import { decodeCanonicalBase64 } from './store-input.js';
import { OPEN_REGISTRATION, UNLIMITED_PREKEYS, utcDay } from './store-limits.js';

export type { SqliteLocation } from './sqlite-connection.js';

export type SqliteConnectionStoreOptions = SqliteLocation &
  SqliteConnectionSettings & {
    /**
     * How long an account change committed by another process may stay unseen
     * by `getAccount` (default 100 ms; 0: never). Changes through this store are
     * seen at once.
     */
    readonly accountCacheMaxStalenessMs?: number | undefined;
  };

export class SqliteConnectionStore implements RelayStore {
  readonly #options: SqliteConnectionStoreOptions;
  #connection: SqliteConnection | null = null;
  #opening: Promise<DurabilityReport> | null = null;
  readonly #accounts: SqliteAccountReader;

  constructor(options: SqliteConnectionStoreOptions) {
    this.#options = options;
    this.#accounts = new SqliteAccountReader(
      options.accountCacheMaxStalenessMs ?? DEFAULT_ACCOUNT_CACHE_MAX_STALENESS_MS,
    );
  }

  /** Path of the database file once open (for backups and diagnostics). */
  get databasePath(): string | null {
    return this.#connection?.path ?? null;
  }

  init(): Promise<DurabilityReport> {
    if (this.#connection !== null) return Promise.resolve(this.#connection.durability);
    // Concurrent calls share one opening instead of opening two connections.
    this.#opening ??= openSqliteConnection(this.#options)
      .then((connection) => {
        this.#connection = connection;
        return connection.durability;
      })
      .finally(() => {
        this.#opening = null;
      });
    return this.#opening;
  }

  /**
   * PRAGMA data_version of this connection: it changes when another
   * connection (another process, or this process's read connection, which
   * never writes) committed since the last call, never for this store's own
   * commits. The writer thread watches it to expire the account cache.
   */
  dataVersion(): number {
    return this.#require().statements.dataVersion.get()?.data_version ?? 0;
  }

  /**
   * Writes a consistent copy of the live database to `destinationPath`
   * (sqlite-connection.ts). Not part of RelayStore: a backup of the embedded
   * database is an operator's task.
   */
  async backupTo(destinationPath: string): Promise<void> {
    await backupDatabase(this.#require().db, destinationPath);
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    if (connection === null) return;
    this.#connection = null;
    this.#accounts.reset();
    closeSqliteConnection(connection);
  }

  #require(): SqliteConnection {
    if (this.#connection === null) throw storeClosed();
    return this.#connection;
  }

  // Challenges.

  async putChallenge(challenge: StoredChallenge): Promise<void> {
    const { statements } = this.#require();
    statements.insertChallenge.run(
      decodeCanonicalBase64(challenge.challenge, 'challenge'),
      challenge.accountId,
      challenge.deviceId,
      challenge.expiresAt,
    );
  }

  async consumeChallenge(challenge: string, accountId: AccountId, deviceId: number, now: number): Promise<boolean> {
    const { statements } = this.#require();
    let bytes: Buffer;
    try {
      bytes = decodeCanonicalBase64(challenge, 'challenge');
    } catch {
      return false; // Not a challenge this store could have issued.
    }
    // One statement, so atomic: of several concurrent presentations exactly
    // one gets the row. Presenting a challenge burns it, whoever presents it.
    const taken = statements.takeChallenge.get(bytes);
    if (taken === undefined) return false;
    return taken.account_id === accountId && taken.device_id === deviceId && taken.expires_at > now;
  }

  async deleteExpiredChallenges(now: number): Promise<number> {
    return sweepInChunks(
      () => this.#require().statements.deleteExpiredChallengesChunk.run(now, SWEEP_CHUNK_ROWS).changes,
    );
  }

  // Accounts and devices.

  async registerDevice(
    registration: DeviceRegistration,
    rules: RegistrationRules = OPEN_REGISTRATION,
  ): Promise<RegisteredDevice | null> {
    const connection = this.#require();
    try {
      return registerDeviceIn(connection, registration, rules);
    } finally {
      this.#accounts.forget(registration.accountId);
    }
  }

  async getAccount(accountId: AccountId): Promise<StoredAccount | null> {
    return this.#accounts.read(this.#require().statements, accountId);
  }

  async setAccessKeys(accountId: AccountId, keys: AccessKeyHashes): Promise<boolean> {
    const { statements } = this.#require();
    try {
      return setAccessKeysIn(statements, accountId, keys);
    } finally {
      this.#accounts.forget(accountId);
    }
  }

  async deleteAccount(accountId: AccountId): Promise<boolean> {
    const connection = this.#require();
    try {
      return deleteAccountIn(connection, accountId);
    } finally {
      this.#accounts.forget(accountId);
    }
  }

  // Prekeys.

  async storePreKeys(
    accountId: AccountId,
    deviceId: number,
    keys: PreKeyReplenish,
    limits: PreKeyLimits = UNLIMITED_PREKEYS,
  ): Promise<void> {
    storePreKeysIn(this.#require(), accountId, deviceId, keys, limits);
  }

  async countPreKeys(accountId: AccountId, deviceId: number): Promise<PreKeyCounts> {
    const { statements } = this.#require();
    const counts = statements.countPreKeys.get({ account: accountId, device: deviceId });
    return { preKeys: counts?.pre_keys ?? 0, kyberPreKeys: counts?.kyber_pre_keys ?? 0 };
  }

  async claimBundle(accountId: AccountId, deviceId: number): Promise<ClaimedBundle | null> {
    return claimBundleIn(this.#require(), accountId, deviceId);
  }

  // Invites.

  async createInvites(invites: readonly NewInvite[]): Promise<void> {
    createInvitesIn(this.#require(), invites);
  }

  async deleteExpiredInvites(now: number): Promise<number> {
    return this.#require().limitStatements.deleteExpiredInvites.run(now).changes;
  }

  // Envelopes.

  async commitSends(sends: readonly NewSend[], limits: SendLimits): Promise<SendOutcome[]> {
    return commitSendsIn(this.#require(), sends, limits);
  }

  async chargeStoredBytes(accountId: AccountId, bytes: number, limits: StoredBytesLimits): Promise<boolean> {
    return chargeStoredBytesIn(this.#require(), accountId, bytes, limits);
  }

  async deleteExpiredSendUsage(now: number): Promise<number> {
    return this.#require().limitStatements.deleteSendUsageBefore.run(utcDay(now)).changes;
  }

  async insertEnvelopes(envelopes: readonly NewEnvelope[]): Promise<StoredEnvelope[]> {
    return insertEnvelopesIn(this.#require(), envelopes);
  }

  async fetchEnvelopes(
    recipient: AccountId,
    deviceId: number,
    afterSeq: number,
    limit: number,
    now: number,
  ): Promise<StoredEnvelope[]> {
    return fetchEnvelopesIn(this.#require().statements, recipient, deviceId, afterSeq, limit, now);
  }

  async deleteEnvelopes(recipient: AccountId, deviceId: number, ids: readonly string[]): Promise<number> {
    return deleteEnvelopesIn(this.#require().statements, recipient, deviceId, ids);
  }

  /** One transaction without a flush of its own (sqlite-envelopes.ts says why that is safe). */
  async deleteEnvelopesBatch(deletions: readonly EnvelopeDeletion[]): Promise<number[]> {
    return deleteEnvelopesBatchIn(this.#require(), deletions);
  }

  async deleteExpiredEnvelopes(now: number): Promise<number> {
    return sweepInChunks(
      () => this.#require().statements.deleteExpiredEnvelopesChunk.run(now, SWEEP_CHUNK_ROWS).changes,
    );
  }

  async countEnvelopes(): Promise<number> {
    const { statements } = this.#require();
    return statements.countEnvelopes.get()?.count ?? 0;
  }
}
