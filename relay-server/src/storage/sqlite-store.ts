/**
 * The default RelayStore: one SQLite file in the data folder (better-sqlite3,
 * WAL, synchronous=FULL unless configured otherwise), so one command runs a
 * durable private relay with no services.
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
 */

import { open, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { toBase64 } from '@parley/crypto-core/encoding';
import type { AccountId } from '@parley/crypto-core/wire';
import Database from 'better-sqlite3';
import { AccountCache } from './account-cache.js';
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
  StoredChallenge,
  StoredDevice,
  StoredEnvelope,
} from './relay-store.js';
import { storeClosed } from './relay-store-errors.js';
import {
  applyDurabilitySettings,
  checkDurability,
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_SQLITE_SYNCHRONOUS,
  readDurabilitySettings,
  type SqliteDurabilityRequest,
  type SqliteSynchronousLevel,
  validateDurabilityRequest,
  withoutCommitFlush,
} from './sqlite-durability.js';
import { DATABASE_FILE_MODE, DEFAULT_DATABASE_FILE, prepareDatabaseFile } from './sqlite-files.js';
import { prepareLimitStatements, type SqliteLimitStatements } from './sqlite-limit-statements.js';
import { migrateSchema } from './sqlite-migrations.js';
import { claimBundleIn, registerDeviceIn, storePreKeysIn } from './sqlite-prekeys.js';
import { envelopeFromRow } from './sqlite-rows.js';
import { commitSendsIn, createInvitesIn, insertEnvelopesIn } from './sqlite-sends.js';
import { prepareStatements, type SqliteStatements, SWEEP_CHUNK_ROWS } from './sqlite-statements.js';
import { assertCursor, assertLimit, decodeCanonicalBase64 } from './store-input.js';
import { OPEN_REGISTRATION, UNLIMITED_PREKEYS, utcDay } from './store-limits.js';

/**
 * Where the database goes: a data folder (the file relay.sqlite in it, unless
 * named otherwise), or the database file's path (its folder is the data folder).
 */
export type SqliteLocation =
  | { readonly dataDir: string; readonly fileName?: string | undefined }
  | { readonly path: string };

export type SqliteRelayStoreOptions = SqliteLocation & {
  /** FULL (default) survives power loss; NORMAL survives process crashes only (see sqlite-durability.ts). */
  readonly synchronous?: SqliteSynchronousLevel | undefined;
  /** How long a write waits for another process's write lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number | undefined;
  /**
   * How long an account change committed by another process may stay unseen
   * by `getAccount` (default 100 ms; 0: never). Changes through this store are
   * seen at once.
   */
  readonly accountCacheMaxStalenessMs?: number | undefined;
};

/** Accounts kept by the account cache (a few hundred bytes each). */
const ACCOUNT_CACHE_ENTRIES = 10_000;
/**
 * Checking for other processes' commits costs a statement (PRAGMA
 * data_version, as much as the lookup itself), so it runs at most this often.
 */
const DEFAULT_ACCOUNT_CACHE_MAX_STALENESS_MS = 100;

function resolveLocation(location: SqliteLocation): { readonly dataDir: string; readonly fileName: string } {
  if ('path' in location) return { dataDir: dirname(location.path), fileName: basename(location.path) };
  return { dataDir: location.dataDir, fileName: location.fileName ?? DEFAULT_DATABASE_FILE };
}

interface OpenConnection {
  readonly db: Database.Database;
  readonly statements: SqliteStatements;
  readonly limitStatements: SqliteLimitStatements;
  readonly path: string;
  readonly durability: DurabilityReport;
  /** The configured level, which every transaction but the acknowledgement deletes runs with. */
  readonly synchronous: SqliteSynchronousLevel;
}

/** Lets the event loop run (timers, sockets) between chunks of a long sweep. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class SqliteRelayStore implements RelayStore {
  readonly #options: SqliteRelayStoreOptions;
  #connection: OpenConnection | null = null;
  #opening: Promise<DurabilityReport> | null = null;
  /**
   * getAccount answers. This connection's own writes forget what they change;
   * a commit by any other connection (another process on the same file)
   * changes `data_version`, which empties the cache when next checked.
   */
  readonly #accounts = new AccountCache(ACCOUNT_CACHE_ENTRIES);
  #dataVersion: number | null = null;
  #dataVersionCheckedAt = Number.NEGATIVE_INFINITY;

  constructor(options: SqliteRelayStoreOptions) {
    this.#options = options;
  }

  /** Path of the database file once open (for backups and diagnostics). */
  get databasePath(): string | null {
    return this.#connection?.path ?? null;
  }

  init(): Promise<DurabilityReport> {
    if (this.#connection !== null) return Promise.resolve(this.#connection.durability);
    // Concurrent calls share one opening instead of opening two connections.
    this.#opening ??= this.#openConnection().finally(() => {
      this.#opening = null;
    });
    return this.#opening;
  }

  async #openConnection(): Promise<DurabilityReport> {
    const request: SqliteDurabilityRequest = {
      synchronous: this.#options.synchronous ?? DEFAULT_SQLITE_SYNCHRONOUS,
      busyTimeoutMs: this.#options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    };
    validateDurabilityRequest(request);
    const { dataDir, fileName } = resolveLocation(this.#options);
    const path = await prepareDatabaseFile(dataDir, fileName);
    const db = new Database(path, { timeout: request.busyTimeoutMs });
    try {
      applyDurabilitySettings(db, request);
      const durability = checkDurability(request, readDurabilitySettings(db));
      migrateSchema(db);
      this.#connection = {
        db,
        statements: prepareStatements(db),
        limitStatements: prepareLimitStatements(db),
        path,
        durability,
        synchronous: request.synchronous,
      };
      return durability;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * Writes a consistent copy of the live database to `destinationPath`
   * (SQLite's online backup API, in steps, so the relay keeps serving
   * meanwhile). The file is created 0600 and must not exist yet. Not part of
   * RelayStore: a backup of the embedded database is an operator's task.
   */
  async backupTo(destinationPath: string): Promise<void> {
    const { db } = this.#require();
    const handle = await open(destinationPath, 'wx', DATABASE_FILE_MODE);
    await handle.close();
    try {
      await db.backup(destinationPath);
    } catch (error) {
      await rm(destinationPath, { force: true });
      throw error;
    }
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    if (connection === null) return;
    this.#connection = null;
    this.#accounts.clear();
    this.#dataVersion = null;
    this.#dataVersionCheckedAt = Number.NEGATIVE_INFINITY;
    // Lets SQLite refresh the planner statistics it found stale; cheap, and recommended before closing.
    connection.db.pragma('optimize');
    connection.db.close();
  }

  #require(): OpenConnection {
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
    return this.#sweep((statements) => statements.deleteExpiredChallengesChunk.run(now, SWEEP_CHUNK_ROWS).changes);
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
    const { statements } = this.#require();
    this.#forgetAccountsChangedElsewhere(statements);
    const cached = this.#accounts.get(accountId);
    if (cached !== undefined) return cached;
    // One statement, so the devices come from the same snapshot as the account row.
    const rows = statements.selectAccountWithDevices.all(accountId);
    const account = rows[0];
    if (account === undefined) return null;
    const devices: StoredDevice[] = [];
    for (const row of rows) {
      if (
        row.device_id === null ||
        row.registration_id === null ||
        row.device_created_at === null ||
        row.generation === null
      ) {
        continue;
      }
      devices.push({
        deviceId: row.device_id,
        registrationId: row.registration_id,
        createdAt: row.device_created_at,
        installationId: row.installation_id === null ? null : toBase64(row.installation_id),
        generation: toBase64(row.generation),
      });
    }
    return this.#accounts.remember({
      accountId,
      identityKey: toBase64(account.identity_key),
      createdAt: account.created_at,
      devices,
      accessKeys:
        account.code_key_hash === null || account.contact_key_hash === null
          ? null
          : {
              codeKeyHash: toBase64(account.code_key_hash),
              contactKeyHash: toBase64(account.contact_key_hash),
            },
    });
  }

  async setAccessKeys(accountId: AccountId, keys: AccessKeyHashes): Promise<boolean> {
    const { statements } = this.#require();
    const params = {
      account: accountId,
      codeKeyHash: decodeCanonicalBase64(keys.codeKeyHash, 'code key hash'),
      contactKeyHash: decodeCanonicalBase64(keys.contactKeyHash, 'contact key hash'),
    };
    try {
      return statements.upsertAccessKeys.run(params).changes > 0;
    } finally {
      this.#accounts.forget(accountId);
    }
  }

  /** Empties the account cache if another connection committed since the last check (checked at most so often). */
  #forgetAccountsChangedElsewhere(statements: SqliteStatements): void {
    const now = performance.now();
    const maxStalenessMs = this.#options.accountCacheMaxStalenessMs ?? DEFAULT_ACCOUNT_CACHE_MAX_STALENESS_MS;
    if (now - this.#dataVersionCheckedAt < maxStalenessMs) return;
    this.#dataVersionCheckedAt = now;
    const dataVersion = statements.dataVersion.get()?.data_version ?? null;
    if (dataVersion !== this.#dataVersion) {
      this.#accounts.clear();
      this.#dataVersion = dataVersion;
    }
  }

  async deleteAccount(accountId: AccountId): Promise<boolean> {
    const { db, statements, limitStatements } = this.#require();
    const erase = db.transaction((): boolean => {
      statements.deleteEnvelopesTo.run(accountId);
      statements.deleteEnvelopesFrom.run(accountId);
      statements.deleteChallengesOf.run(accountId);
      limitStatements.deleteSendUsageOf.run(accountId);
      return statements.deleteAccount.run(accountId).changes > 0;
    });
    try {
      return erase.immediate();
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
    const { statements } = this.#require();
    assertCursor(afterSeq);
    assertLimit(limit);
    if (limit < 1) return [];
    return statements.selectEnvelopes
      .all(recipient, deviceId, afterSeq, now, limit)
      .map((row) => envelopeFromRow(recipient, deviceId, row));
  }

  async deleteEnvelopes(recipient: AccountId, deviceId: number, ids: readonly string[]): Promise<number> {
    const { statements } = this.#require();
    if (ids.length === 0) return 0;
    return statements.deleteEnvelopesByIds.run(JSON.stringify(ids), recipient, deviceId).changes;
  }

  /**
   * All deletions in one transaction, committed without an fsync of its own:
   * synchronous=NORMAL for this transaction only. The next durable commit
   * (the next batch of sends, any other write, a checkpoint, or close) flushes
   * these deletions with it, because an fsync of the WAL covers every frame
   * written before, and WAL frames replay in order. So power loss can undo the
   * latest acknowledgements, never an accepted send: those envelopes are
   * delivered again and clients drop them by id, as at-least-once delivery
   * already requires. It spares the relay one fsync per batch of acks, about
   * half of its fsyncs under load.
   */
  async deleteEnvelopesBatch(deletions: readonly EnvelopeDeletion[]): Promise<number[]> {
    const { db, statements, synchronous } = this.#require();
    const prepared = deletions.map((deletion) =>
      deletion.ids.length === 0
        ? null
        : ([JSON.stringify(deletion.ids), deletion.recipient, deletion.deviceId] as const),
    );
    if (prepared.every((params) => params === null)) return prepared.map(() => 0);
    const deleteAll = db.transaction((): number[] =>
      prepared.map((params) => (params === null ? 0 : statements.deleteEnvelopesByIds.run(...params).changes)),
    );
    return withoutCommitFlush(db, synchronous, () => deleteAll.immediate());
  }

  async deleteExpiredEnvelopes(now: number): Promise<number> {
    return this.#sweep((statements) => statements.deleteExpiredEnvelopesChunk.run(now, SWEEP_CHUNK_ROWS).changes);
  }

  async countEnvelopes(): Promise<number> {
    const { statements } = this.#require();
    return statements.countEnvelopes.get()?.count ?? 0;
  }

  /**
   * Runs a deleting chunk until it removes less than a full chunk, yielding
   * to the event loop in between: a sweep after a long outage may remove
   * millions of rows, and one statement would block every socket meanwhile.
   */
  async #sweep(deleteChunk: (statements: SqliteStatements) => number): Promise<number> {
    let removed = 0;
    for (;;) {
      const changes = deleteChunk(this.#require().statements);
      removed += changes;
      if (changes < SWEEP_CHUNK_ROWS) return removed;
      await yieldToEventLoop();
    }
  }
}
