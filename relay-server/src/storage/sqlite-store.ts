/**
 * The default RelayStore: one SQLite file in the data folder (better-sqlite3,
 * WAL, synchronous=FULL unless configured otherwise), so one command runs a
 * durable private relay with no services.
 *
 * Writes never run on the event loop. A writer thread (sqlite-writer.ts,
 * sqlite-writer-thread.ts) owns the connection every write goes through and
 * runs them one after another in call order; a write's promise resolves only
 * after its transaction committed (and, at FULL, was fsynced) in that thread.
 * So while one batch of sends is being committed, the event loop goes on
 * reading the next sends off the sockets, instead of waiting out the fsync.
 * What the single connection guaranteed still holds: one writer, commit order
 * equal to call order (seq order within each device's queue), each one-time
 * prekey handed out once, limits checked inside the transaction that writes.
 *
 * The reads the relay makes per message stay on the event loop, on a second
 * connection of the same file that only reads (PRAGMA query_only): getAccount
 * (through the account cache), countPreKeys and fetchEnvelopes. The writer
 * thread reports commits by other processes on the file, which expire the
 * account cache (within its staleness bound). In WAL mode a
 * read sees every transaction committed before it started, so a read made
 * after a write's promise resolved sees that write. countEnvelopes goes
 * through the writer thread, so the health check reports the store failed
 * while the thread is down.
 *
 * If the writer thread dies, the writes in flight and those made until a new
 * thread is up reject with WRITER_STOPPED (the relay answers UNAVAILABLE,
 * never an acknowledgement), and a new thread starts by itself.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import Database from 'better-sqlite3';
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
import { DEFAULT_ACCOUNT_CACHE_MAX_STALENESS_MS, SqliteAccountReader } from './sqlite-accounts.js';
import type { SqliteConnectionStoreOptions } from './sqlite-connection-store.js';
import { DEFAULT_BUSY_TIMEOUT_MS } from './sqlite-durability.js';
import { fetchEnvelopesIn } from './sqlite-envelopes.js';
import { prepareStatements, type SqliteStatements } from './sqlite-statements.js';
import { SqliteWriter } from './sqlite-writer.js';
import { type CompactOutcome, expandOutcomes, type WriterMethod } from './sqlite-writer-protocol.js';

export type { SqliteLocation } from './sqlite-connection.js';
export type SqliteRelayStoreOptions = SqliteConnectionStoreOptions;

interface ReadConnection {
  readonly db: Database.Database;
  readonly statements: SqliteStatements;
  readonly path: string;
  readonly durability: DurabilityReport;
}

function openReadConnection(path: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(path, { fileMustExist: true, timeout: busyTimeoutMs });
  try {
    db.pragma('query_only = ON');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export class SqliteRelayStore implements RelayStore {
  /** The writer thread runs writes one after another in the order they were posted. */
  readonly commitsInCallOrder = true;
  readonly #options: SqliteRelayStoreOptions;
  readonly #writer: SqliteWriter;
  readonly #accounts: SqliteAccountReader;
  #reader: ReadConnection | null = null;
  /** Deletions posted to the writer and not yet answered (fetchEnvelopes waits for them). */
  readonly #pendingDeletes = new Set<Promise<unknown>>();
  #opening: Promise<DurabilityReport> | null = null;

  constructor(options: SqliteRelayStoreOptions) {
    this.#options = options;
    const maxStalenessMs = options.accountCacheMaxStalenessMs ?? DEFAULT_ACCOUNT_CACHE_MAX_STALENESS_MS;
    // The read connection's data_version changes with every commit of the
    // writer thread too, so checking it would empty the cache at every batch
    // of sends. The writer thread's own data_version changes only for other
    // processes' commits: it checks that four times per staleness bound and
    // reports them. Only a bound of 0 (never stale) checks at every read here.
    this.#accounts = new SqliteAccountReader(maxStalenessMs === 0 ? 0 : Number.POSITIVE_INFINITY);
    this.#writer = new SqliteWriter(options, maxStalenessMs === 0 ? null : maxStalenessMs / 4, {
      // A replacement thread may follow other processes' commits unseen: start afresh.
      restarted: () => this.#accounts.reset(),
      foreignCommit: () => this.#accounts.reset(),
    });
  }

  /** Path of the database file once open (for backups and diagnostics). */
  get databasePath(): string | null {
    return this.#reader?.path ?? null;
  }

  /** True while the writer thread is up (false while a dead one is being replaced). */
  get writerRunning(): boolean {
    return this.#writer.running;
  }

  /** Kills the writer thread as a crash would (fault tests): see sqlite-writer.ts for what follows. */
  killWriterThread(): Promise<void> {
    return this.#writer.kill();
  }

  init(): Promise<DurabilityReport> {
    if (this.#reader !== null) return Promise.resolve(this.#reader.durability);
    // Concurrent calls share one opening instead of starting two threads.
    this.#opening ??= this.#open().finally(() => {
      this.#opening = null;
    });
    return this.#opening;
  }

  async #open(): Promise<DurabilityReport> {
    const { durability, path } = await this.#writer.start();
    try {
      const db = openReadConnection(path, this.#options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
      this.#reader = { db, statements: prepareStatements(db), path, durability };
      return durability;
    } catch (error) {
      await this.#writer.close();
      throw error;
    }
  }

  /** Writes a consistent copy of the live database to `destinationPath` (in the writer thread; see sqlite-connection.ts). */
  async backupTo(destinationPath: string): Promise<void> {
    await this.#write('backupTo', destinationPath);
  }

  async close(): Promise<void> {
    const reader = this.#reader;
    if (reader === null) return;
    this.#reader = null;
    this.#accounts.reset();
    try {
      await this.#writer.close();
    } finally {
      reader.db.close();
    }
  }

  #read(): SqliteStatements {
    if (this.#reader === null) throw storeClosed();
    return this.#reader.statements;
  }

  #write<T>(method: WriterMethod, ...args: readonly unknown[]): Promise<T> {
    if (this.#reader === null) return Promise.reject(storeClosed());
    return this.#writer.call<T>(method, args);
  }

  /** A write that changes an account: its cached copy goes once the write ended, committed or not. */
  async #writeAccount<T>(accountId: AccountId, method: WriterMethod, ...args: readonly unknown[]): Promise<T> {
    try {
      return await this.#write<T>(method, ...args);
    } finally {
      this.#accounts.forget(accountId);
    }
  }

  // Challenges.

  putChallenge(challenge: StoredChallenge): Promise<void> {
    return this.#write('putChallenge', challenge);
  }

  consumeChallenge(challenge: string, accountId: AccountId, deviceId: number, now: number): Promise<boolean> {
    return this.#write('consumeChallenge', challenge, accountId, deviceId, now);
  }

  deleteExpiredChallenges(now: number): Promise<number> {
    return this.#write('deleteExpiredChallenges', now);
  }

  // Accounts and devices.

  registerDevice(registration: DeviceRegistration, rules?: RegistrationRules): Promise<RegisteredDevice | null> {
    return this.#writeAccount(registration.accountId, 'registerDevice', registration, rules);
  }

  async getAccount(accountId: AccountId): Promise<StoredAccount | null> {
    return this.#accounts.read(this.#read(), accountId);
  }

  setAccessKeys(accountId: AccountId, keys: AccessKeyHashes): Promise<boolean> {
    return this.#writeAccount(accountId, 'setAccessKeys', accountId, keys);
  }

  deleteAccount(accountId: AccountId): Promise<boolean> {
    return this.#writeAccount(accountId, 'deleteAccount', accountId);
  }

  // Prekeys.

  storePreKeys(accountId: AccountId, deviceId: number, keys: PreKeyReplenish, limits?: PreKeyLimits): Promise<void> {
    return this.#write('storePreKeys', accountId, deviceId, keys, limits);
  }

  async countPreKeys(accountId: AccountId, deviceId: number): Promise<PreKeyCounts> {
    const counts = this.#read().countPreKeys.get({ account: accountId, device: deviceId });
    return { preKeys: counts?.pre_keys ?? 0, kyberPreKeys: counts?.kyber_pre_keys ?? 0 };
  }

  claimBundle(accountId: AccountId, deviceId: number): Promise<ClaimedBundle | null> {
    return this.#write('claimBundle', accountId, deviceId);
  }

  // Invites.

  createInvites(invites: readonly NewInvite[]): Promise<void> {
    return this.#write('createInvites', invites);
  }

  deleteExpiredInvites(now: number): Promise<number> {
    return this.#write('deleteExpiredInvites', now);
  }

  // Envelopes.

  async commitSends(sends: readonly NewSend[], limits: SendLimits): Promise<SendOutcome[]> {
    if (sends.length === 0) return [];
    const compact = await this.#write<CompactOutcome[]>('commitSends', sends, limits);
    return expandOutcomes(sends, compact);
  }

  chargeStoredBytes(accountId: AccountId, bytes: number, limits: StoredBytesLimits): Promise<boolean> {
    return this.#write('chargeStoredBytes', accountId, bytes, limits);
  }

  deleteExpiredSendUsage(now: number): Promise<number> {
    return this.#write('deleteExpiredSendUsage', now);
  }

  insertEnvelopes(envelopes: readonly NewEnvelope[]): Promise<StoredEnvelope[]> {
    return this.#write('insertEnvelopes', envelopes);
  }

  async fetchEnvelopes(
    recipient: AccountId,
    deviceId: number,
    afterSeq: number,
    limit: number,
    now: number,
  ): Promise<StoredEnvelope[]> {
    // Read after delete: an envelope whose acknowledgement was posted before
    // this read must not come back (a drain right after a reconnect would
    // deliver it twice), so wait for the deletions still in the writer.
    if (this.#pendingDeletes.size > 0) await Promise.allSettled([...this.#pendingDeletes]);
    return fetchEnvelopesIn(this.#read(), recipient, deviceId, afterSeq, limit, now);
  }

  #trackDelete<T>(deletion: Promise<T>): Promise<T> {
    this.#pendingDeletes.add(deletion);
    const settle = (): void => {
      this.#pendingDeletes.delete(deletion);
    };
    deletion.then(settle, settle);
    return deletion;
  }

  deleteEnvelopes(recipient: AccountId, deviceId: number, ids: readonly string[]): Promise<number> {
    return this.#trackDelete(this.#write<number>('deleteEnvelopes', recipient, deviceId, ids));
  }

  /** One transaction without a flush of its own (sqlite-envelopes.ts says why that is safe). */
  deleteEnvelopesBatch(deletions: readonly EnvelopeDeletion[]): Promise<number[]> {
    return this.#trackDelete(this.#write<number[]>('deleteEnvelopesBatch', deletions));
  }

  deleteExpiredEnvelopes(now: number): Promise<number> {
    return this.#write('deleteExpiredEnvelopes', now);
  }

  countEnvelopes(): Promise<number> {
    return this.#write('countEnvelopes');
  }
}
