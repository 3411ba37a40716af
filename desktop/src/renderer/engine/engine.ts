/**
 * The client engine's public face: what the Svelte UI calls and listens to.
 * It holds no UI code and runs on browser APIs only (fetch, WebCrypto,
 * socket.io-client, IndexedDB through Dexie), so Node tests run it as is.
 *
 * Lifecycle: `createAccount` (first run: identity, registration, start) or
 * `start` (an unlocked profile that registered before); `stop` to end. While
 * stopped, `connection` reads offline and calls that need the engine throw
 * NOT_STARTED. A vault that locks stops the engine and emits `locked`.
 */
import type { AccountId, TokenResponse } from '@parley/crypto-core/wire';
import type { AccountInfo, SafetyNumber, VaultStatus } from '../../common/vault-api.js';
import { ensureAccessKeys, ownContactCode } from './access-keys.js';
import { deleteEngineDatabase, deleteRelayAccount, eraseVaultIdentity } from './account-deletion.js';
import { dataKeyFrom, openProfileDatabase } from './at-rest/open-database.js';
import {
  type BackupExportRequest,
  type BackupExportResult,
  exportBackup,
  exportReadable,
  type ReadableExportRequest,
} from './backup/backup-export.js';
import { importStagedBackup } from './backup/backup-restore.js';
import { readRestoreMarker, writeRestoreMarker } from './backup/restore-marker.js';
import { MonotonicClock, systemClock } from './clock.js';
import { type ConnectionStatus, OFFLINE_STATUS, sameStatus } from './connection-status.js';
import type { AddedContact } from './contacts.js';
import type { EngineDatabase } from './database.js';
import type { AccountSummary, CreateAccountRequest, EngineOptions, RegistrationOptions } from './engine-options.js';
import { describeError, EngineError, EngineErrorCode } from './errors.js';
import type { EngineEvents } from './events.js';
import { type EngineLogger, silentLogger } from './logger.js';
import { EventHub, Observable, type Readable, type Unsubscribe } from './observable.js';
import { canonicalRelayUrl, recordHomeRelay, registerDevice } from './onboarding.js';
import { DEFAULT_OUTBOX_OPTIONS } from './outbox-worker.js';
import { DEFAULT_PREKEY_OPTIONS } from './prekey-maintenance.js';
import { PrivacySettings } from './privacy-settings.js';
import type { EngineQueries } from './queries.js';
import type { MarkReadResult } from './read-receipts.js';
import { DEFAULT_RECEIVE_OPTIONS } from './receive-pipeline.js';
import type { MessageRecord } from './records.js';
import { DEFAULT_CONNECTION_OPTIONS } from './relay-connection.js';
import { relayFailureError } from './relay-errors-map.js';
import { RelayHttpClient } from './relay-http.js';
import { EngineRuntime } from './runtime.js';
import { readTakenOver } from './takeover.js';
import { DEFAULT_TYPING_OPTIONS, type TypingState } from './typing.js';
import { VaultGateway } from './vault-calls.js';
import { vaultFailureError } from './vault-errors-map.js';

export type {
  AccountSummary,
  CreateAccountRequest,
  EngineOptions,
  RegistrationOptions,
} from './engine-options.js';

export class Engine {
  readonly #options: EngineOptions;
  readonly #vault: VaultGateway;
  readonly #logger: EngineLogger;
  readonly #clock: MonotonicClock;
  readonly #now = (): number => this.#clock.now();
  readonly #events: EventHub<EngineEvents>;
  readonly #status = new Observable<ConnectionStatus>(OFFLINE_STATUS, sameStatus);
  readonly #typing = new Observable<TypingState>(new Map());
  #runtime: EngineRuntime | null = null;
  #summary: AccountSummary | null = null;
  #database: EngineDatabase | null = null;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#vault = new VaultGateway(options.vault);
    this.#logger = options.logger ?? silentLogger;
    this.#clock = new MonotonicClock(options.clock ?? systemClock);
    this.#events = new EventHub((error) =>
      this.#logger.error('an engine event listener threw', { error: describeError(error) }),
    );
    this.#status.subscribe((status) => this.#events.emit('connection', status));
  }

  /** Online / connecting / offline, with the number of queued messages (a Svelte store). */
  get connection(): Readable<ConnectionStatus> {
    return this.#status;
  }

  /** Who is typing in which conversation (a Svelte store). */
  get typing(): Readable<TypingState> {
    return this.#typing;
  }

  get running(): boolean {
    return this.#runtime !== null;
  }

  /** This device's account, relay and contact code, once started. */
  get account(): AccountSummary | null {
    return this.#summary;
  }

  /** Reads for the UI (wrap them in liveQuery). */
  get queries(): EngineQueries {
    return this.#require().queries;
  }

  /** Read receipts and typing indicators on or off (a Svelte store; `update` stores a change). */
  get privacy(): PrivacySettings {
    return this.#require().privacy;
  }

  /** The database (for liveQuery over custom reads, and for tests). */
  get database(): EngineDatabase {
    const database = this.#database;
    if (database === null) throw new EngineError(EngineErrorCode.NotStarted, 'the engine is not running');
    return database;
  }

  on<E extends keyof EngineEvents>(event: E, listener: (payload: EngineEvents[E]) => void): Unsubscribe {
    return this.#events.on(event, listener);
  }

  /** First run: creates the identity in the vault, registers with the relay and starts. */
  async createAccount(request: CreateAccountRequest): Promise<AccountSummary> {
    const relayUrl = canonicalRelayUrl(request.relayUrl);
    try {
      await this.#vault.call(
        'createIdentity',
        request.passphrase === undefined ? {} : { passphrase: request.passphrase },
      );
    } catch (error) {
      throw vaultFailureError(error);
    }
    return this.register(relayUrl, request.inviteCode === undefined ? {} : { inviteCode: request.inviteCode });
  }

  /**
   * Registers this (unlocked) identity with a home relay and starts. Also the
   * way to finish onboarding when createAccount's registration failed (the
   * identity exists, the relay was unreachable). A relay that admits new
   * accounts only by invite needs `options.inviteCode` (INVITE_REQUIRED,
   * INVITE_INVALID otherwise); REGISTRATION_CLOSED when it admits none.
   */
  async register(relayUrlInput: string, options: RegistrationOptions = {}): Promise<AccountSummary> {
    if (this.#runtime !== null) throw new EngineError(EngineErrorCode.Internal, 'the engine is already running');
    const relayUrl = canonicalRelayUrl(relayUrlInput);
    const account = await this.#unlockedAccount();
    const http = new RelayHttpClient(relayUrl, this.#options.fetch);
    let token: TokenResponse;
    try {
      token = await registerDevice(http, this.#vault, relayUrl, account, options.inviteCode);
    } catch (error) {
      throw relayFailureError(error) ?? vaultFailureError(error);
    }
    const db = await this.#openDatabase(account);
    try {
      await recordHomeRelay(db, relayUrl, account, this.#clock.now());
      // Made with the identity; the runtime registers them with the relay as it starts.
      await ensureAccessKeys(db, this.#now);
      await this.#launch(db, account, relayUrl, token);
      return await this.#finishStart(account, relayUrl);
    } catch (error) {
      await this.#abortStart(db);
      throw error;
    }
  }

  /** Starts an unlocked profile that registered before. */
  async start(): Promise<AccountSummary> {
    if (this.#runtime !== null && this.#summary !== null) return this.#summary;
    const account = await this.#unlockedAccount();
    // A profile the backup CLI restored: its history waits in the vault for this first start.
    const name = this.#options.databaseName;
    await importStagedBackup(this.#vault, account, {
      indexedDB: this.#options.indexedDB,
      IDBKeyRange: this.#options.IDBKeyRange,
      databaseName: name === undefined ? undefined : () => name,
    }).catch((error: unknown) => {
      throw vaultFailureError(error);
    });
    const db = await this.#openDatabase(account);
    try {
      const home = await db.homeRelay();
      if (home === undefined) {
        throw new EngineError(EngineErrorCode.NotRegistered, 'this profile has not registered with a relay yet');
      }
      const restore = await readRestoreMarker(db);
      if (restore?.state === 'importing') {
        // The page died during a restore; the vault undoes it when it next starts (backup/restore-commit.ts).
        throw new EngineError(EngineErrorCode.Storage, 'a backup restore was interrupted: restart Parley');
      }
      if (restore?.state === 'pending-registration') {
        // First start after a restore: register afresh (fresh prekeys), then drop the marker.
        db.close();
        const summary = await this.register(home.url);
        await writeRestoreMarker(this.database, null);
        return summary;
      }
      // Taken over before (takeover.ts): the history opens, nothing connects.
      const takenOver = (await readTakenOver(db)) !== null;
      // A profile from before access keys makes them on its first start.
      await ensureAccessKeys(db, this.#now);
      await this.#launch(db, account, home.url, undefined, takenOver);
      return await this.#finishStart(account, home.url);
    } catch (error) {
      await this.#abortStart(db);
      throw error;
    }
  }

  /** Stops: closes the connection, lets work in progress finish (bounded), closes the database. */
  async stop(): Promise<void> {
    const runtime = this.#runtime;
    this.#runtime = null;
    this.#database = null;
    if (runtime !== null) await runtime.stop();
    this.#status.set(OFFLINE_STATUS);
    this.#typing.set(new Map());
  }

  /**
   * Delete account (account-deletion.ts): the relay erases the account and
   * its queued messages, the vault erases the identity and its files, then
   * this profile's local database goes. The engine is stopped afterwards and
   * the vault has no identity. On failure, the relay step changed nothing;
   * a later step's failure leaves what is left to a retry, which finishes it.
   * A copy another install took over removes only itself: the account on the
   * relay is the other install's now (and the relay would refuse anyway).
   */
  async deleteAccount(): Promise<void> {
    const runtime = this.#require();
    const database = this.database;
    if (!runtime.takenOver) await deleteRelayAccount(runtime.http, runtime.tokens);
    await this.stop();
    this.#summary = null;
    await eraseVaultIdentity(this.#vault);
    await deleteEngineDatabase(database);
  }

  /**
   * Drops the engine as a crash would (nothing in flight is awaited or
   * finished). For tests that prove nothing is lost when the renderer dies.
   */
  abandon(): void {
    const runtime = this.#runtime;
    this.#runtime = null;
    this.#database = null;
    runtime?.abandon();
    this.#status.set(OFFLINE_STATUS);
  }

  /** Resolves once the relay's queue (as of connecting) has been received and stored. */
  async whenDrained(): Promise<void> {
    const runtime = this.#require();
    return new Promise((resolve) => {
      const unsubscribe = runtime.pipeline.drained.subscribe((drained) => {
        if (!drained) return;
        queueMicrotask(() => unsubscribe());
        resolve();
      });
    });
  }

  /** Try to connect now (e.g. the OS reports the network is back). */
  reconnectNow(): void {
    this.#runtime?.connection.reconnectNow();
  }

  /** This account's contact code for the home relay, with the current code key. */
  async contactCode(): Promise<string> {
    const runtime = this.#require();
    const keys = await ensureAccessKeys(this.database, this.#now);
    return ownContactCode(this.#accountId(), runtime.connection.relayUrl, keys);
  }

  /**
   * "Reset contact code": a new code key, registered with the relay before it
   * replaces the old one (a failure throws and the old code keeps working).
   * People holding the old code who never wrote can no longer reach this
   * account; contacts hold the contact key and are not affected. Answers the
   * new code (also in `account.contactCode`).
   */
  async resetContactCode(): Promise<string> {
    const runtime = this.#require();
    runtime.assertNotTakenOver('resetting the contact code');
    let keys: Awaited<ReturnType<typeof runtime.accessKeys.resetCodeKey>>;
    try {
      keys = await runtime.accessKeys.resetCodeKey();
    } catch (error) {
      throw relayFailureError(error) ?? new EngineError(EngineErrorCode.Storage, 'the new code was not saved', error);
    }
    const code = ownContactCode(this.#accountId(), runtime.connection.relayUrl, keys);
    if (this.#summary !== null) this.#summary = { ...this.#summary, contactCode: code };
    return code;
  }

  /** Adds a contact from their code: checks their keys, starts sessions, opens the conversation, sends our profile. */
  async addContact(contactCode: string, displayName?: string): Promise<AddedContact> {
    const runtime = this.#require();
    runtime.assertNotTakenOver('adding a contact');
    const added = await runtime.contacts.add(contactCode, displayName);
    runtime.outbox.kick();
    return added;
  }

  async renameContact(accountId: AccountId, displayName: string): Promise<void> {
    return this.#require().contacts.rename(accountId, displayName);
  }

  async setVerified(accountId: AccountId, verified: boolean): Promise<void> {
    return this.#require().contacts.setVerified(accountId, verified);
  }

  async safetyNumber(accountId: AccountId): Promise<SafetyNumber> {
    this.#require();
    try {
      return await this.#vault.call('getSafetyNumber', { accountId });
    } catch (error) {
      throw vaultFailureError(error);
    }
  }

  /** Stores and queues a text; returns the stored message (state 'sending'). */
  async sendText(conversationId: string, body: string): Promise<MessageRecord> {
    return this.#require().sendText(conversationId, body);
  }

  /** Queues a failed message again. */
  async retry(messageId: string): Promise<MessageRecord> {
    return this.#require().retry(messageId);
  }

  /**
   * Marks what the user saw read: the unread messages at or before the
   * position `through` (the newest one the view showed; default all), with read
   * receipts unless the user turned them off.
   */
  async markRead(conversationId: string, through?: string): Promise<MarkReadResult> {
    return this.#require().markRead(conversationId, through);
  }

  /** The user is (or stopped) typing in a conversation; throttled, best effort (nothing once taken over). */
  async setTyping(conversationId: string, typing: boolean): Promise<void> {
    const runtime = this.#require();
    if (runtime.takenOver) return;
    return runtime.typingNotifier.setTyping(conversationId, typing);
  }

  /** Writes an encrypted backup of this profile (engine/backup/): history from here, identity and sealing in the vault. */
  async exportBackup(request: BackupExportRequest): Promise<BackupExportResult> {
    this.#require();
    return exportBackup(this.#vault, this.database, request);
  }

  /** Writes the opt-in readable copy (HTML + JSON, no keys) of everything or one conversation. */
  async exportReadable(request: ReadableExportRequest = {}): Promise<BackupExportResult> {
    this.#require();
    return exportReadable(this.#vault, this.database, request);
  }

  /** Resolves when the receive path and the outbox have nothing in progress (for tests). */
  async whenIdle(): Promise<void> {
    const runtime = this.#require();
    await runtime.pipeline.idle();
    await runtime.sessionRepair.idle();
    await runtime.outbox.idle();
    await runtime.accessKeys.idle();
  }

  #accountId(): AccountId {
    const summary = this.#summary;
    if (summary === null) throw new EngineError(EngineErrorCode.NotStarted, 'the engine is not running');
    return summary.accountId;
  }

  #require(): EngineRuntime {
    const runtime = this.#runtime;
    if (runtime === null) throw new EngineError(EngineErrorCode.NotStarted, 'the engine is not running');
    return runtime;
  }

  async #unlockedAccount(): Promise<AccountInfo> {
    let status: VaultStatus;
    try {
      status = await this.#vault.call('getStatus', {});
    } catch (error) {
      throw vaultFailureError(error);
    }
    if (status.state === 'no-identity' || status.account === null) {
      throw new EngineError(EngineErrorCode.NoIdentity, 'this profile has no identity yet');
    }
    if (status.state === 'locked') throw new EngineError(EngineErrorCode.Locked, 'the vault is locked');
    return status.account;
  }

  /** The profile's database, sealed under keys from the vault's data key; a version 1 database is migrated first. */
  async #openDatabase(account: AccountInfo): Promise<EngineDatabase> {
    return openProfileDatabase(await dataKeyFrom(this.#vault), account.accountId, {
      indexedDB: this.#options.indexedDB,
      IDBKeyRange: this.#options.IDBKeyRange,
      name: this.#options.databaseName,
      logger: this.#logger,
    });
  }

  /**
   * Builds and starts the runtime; `token` is one registration just answered
   * with (saves a login); `takenOver` starts it retired (takeover.ts).
   */
  async #launch(
    db: EngineDatabase,
    account: AccountInfo,
    relayUrl: string,
    token?: TokenResponse,
    takenOver = false,
  ): Promise<void> {
    const options = this.#options;
    let privacy: PrivacySettings;
    try {
      privacy = await PrivacySettings.load(db);
    } catch (error) {
      throw new EngineError(EngineErrorCode.Storage, 'the settings could not be read', error);
    }
    const runtime = new EngineRuntime(
      {
        db,
        vault: this.#vault,
        account,
        relayUrl,
        clock: this.#clock,
        logger: this.#logger,
        events: this.#events,
        status: this.#status,
        typing: this.#typing,
        privacy,
        newId: () => crypto.randomUUID(),
        onFatal: () => void this.#lockedStop(),
      },
      {
        connection: { ...DEFAULT_CONNECTION_OPTIONS, ...options.connection },
        outbox: { ...DEFAULT_OUTBOX_OPTIONS, ...options.outbox },
        typing: { ...DEFAULT_TYPING_OPTIONS, ...options.typing },
        prekeys: { ...DEFAULT_PREKEY_OPTIONS, ...options.prekeys },
        receive: { ...DEFAULT_RECEIVE_OPTIONS, ...options.receive },
        fetch: options.fetch,
        faults: options.faults,
      },
    );
    if (token !== undefined) runtime.tokens.accept(token);
    this.#runtime = runtime;
    this.#database = db;
    runtime.start(takenOver);
  }

  async #finishStart(account: AccountInfo, relayUrl: string): Promise<AccountSummary> {
    const code = ownContactCode(account.accountId, relayUrl, await ensureAccessKeys(this.database, this.#now));
    const summary: AccountSummary = { ...account, relayUrl, contactCode: code };
    this.#summary = summary;
    return summary;
  }

  async #abortStart(db: EngineDatabase): Promise<void> {
    const runtime = this.#runtime;
    this.#runtime = null;
    this.#database = null;
    if (runtime !== null) await runtime.stop();
    else db.close();
  }

  async #lockedStop(): Promise<void> {
    if (this.#runtime === null) return;
    this.#logger.warn('the vault locked: stopping');
    await this.stop();
    this.#events.emit('locked', {});
  }
}
