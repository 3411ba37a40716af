/**
 * The lifecycle behind the Engine facade (engine.ts): which profile runs,
 * from `createAccount`/`register`/`start` to `stop`, `abandon` and
 * `deleteAccount`. It holds the running runtime, its database and the account
 * summary; the facade delegates to it and keeps the stores and events.
 */
import type { TokenResponse } from '@parley/crypto-core/wire';
import type { AccountInfo } from '../../common/vault-api.js';
import { ensureAccessKeys } from './access-keys.js';
import { deleteEngineDatabase, deleteRelayAccount, eraseVaultIdentity } from './account-deletion.js';
import { readRestoreMarker, writeRestoreMarker } from './backup/restore-marker.js';
import { OFFLINE_STATUS } from './connection-status.js';
import type { EngineDatabase } from './database.js';
import {
  buildRuntime,
  importRestoredHistory,
  type LaunchContext,
  openEngineDatabase,
  unlockedAccount,
  vaultStatus,
} from './engine-launch.js';
import type { AccountSummary, CreateAccountRequest, RegistrationOptions } from './engine-options.js';
import { EngineError, EngineErrorCode } from './errors.js';
import { deleteLeftoverDatabases, markForDeletion, unmarkDeleted } from './leftover-databases.js';
import { canonicalRelayUrl, recordHomeRelay, registerDevice } from './onboarding.js';
import { currentContactCode } from './own-contact-code.js';
import { relayFailureError } from './relay-errors-map.js';
import { RelayHttpClient } from './relay-http.js';
import type { EngineRuntime } from './runtime.js';
import { readTakenOver } from './takeover.js';
import { vaultFailureError } from './vault-errors-map.js';

export class ProfileLifecycle {
  readonly #context: LaunchContext;
  readonly #now: () => number;
  #runtime: EngineRuntime | null = null;
  #summary: AccountSummary | null = null;
  #database: EngineDatabase | null = null;

  constructor(context: Omit<LaunchContext, 'onFatal'>) {
    this.#context = { ...context, onFatal: () => void this.#lockedStop() };
    this.#now = () => context.clock.now();
  }

  get runtime(): EngineRuntime | null {
    return this.#runtime;
  }

  /** This device's account, relay and contact code, once started. */
  get summary(): AccountSummary | null {
    return this.#summary;
  }

  /** The running runtime; NOT_STARTED when there is none. */
  require(): EngineRuntime {
    const runtime = this.#runtime;
    if (runtime === null) throw new EngineError(EngineErrorCode.NotStarted, 'the engine is not running');
    return runtime;
  }

  /** The running profile's database; NOT_STARTED when there is none. */
  get database(): EngineDatabase {
    const database = this.#database;
    if (database === null) throw new EngineError(EngineErrorCode.NotStarted, 'the engine is not running');
    return database;
  }

  /** The running account's id; NOT_STARTED before the start finished. */
  accountId(): AccountSummary['accountId'] {
    const summary = this.#summary;
    if (summary === null) throw new EngineError(EngineErrorCode.NotStarted, 'the engine is not running');
    return summary.accountId;
  }

  /** A reset contact code replaces the one in the summary. */
  contactCodeChanged(code: string): void {
    if (this.#summary !== null) this.#summary = { ...this.#summary, contactCode: code };
  }

  async createAccount(request: CreateAccountRequest): Promise<AccountSummary> {
    const relayUrl = canonicalRelayUrl(request.relayUrl);
    try {
      await this.#context.vault.call(
        'createIdentity',
        request.passphrase === undefined ? {} : { passphrase: request.passphrase },
      );
    } catch (error) {
      throw vaultFailureError(error);
    }
    return this.register(relayUrl, request.inviteCode === undefined ? {} : { inviteCode: request.inviteCode });
  }

  async register(relayUrlInput: string, options: RegistrationOptions = {}): Promise<AccountSummary> {
    if (this.#runtime !== null) throw new EngineError(EngineErrorCode.Internal, 'the engine is already running');
    const relayUrl = canonicalRelayUrl(relayUrlInput);
    const vault = this.#context.vault;
    const account = await unlockedAccount(vault);
    const http = new RelayHttpClient(relayUrl, this.#context.options.fetch);
    let token: TokenResponse;
    try {
      token = await registerDevice(http, vault, relayUrl, account, options.inviteCode);
    } catch (error) {
      throw relayFailureError(error, relayUrl) ?? vaultFailureError(error);
    }
    const db = await openEngineDatabase(this.#context, account);
    try {
      await recordHomeRelay(db, relayUrl, account, this.#context.clock.now());
      // Made with the identity; the runtime registers them with the relay as it starts.
      await ensureAccessKeys(db, this.#now);
      await this.#launch(db, account, relayUrl, token);
      return await this.#finishStart(account, relayUrl);
    } catch (error) {
      await this.#abortStart(db);
      throw error;
    }
  }

  async start(): Promise<AccountSummary> {
    if (this.#runtime !== null && this.#summary !== null) return this.#summary;
    const account = await unlockedAccount(this.#context.vault);
    await importRestoredHistory(this.#context, account);
    const db = await openEngineDatabase(this.#context, account);
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

  async stop(): Promise<void> {
    const runtime = this.#runtime;
    this.#runtime = null;
    this.#database = null;
    if (runtime !== null) await runtime.stop();
    this.#context.status.set(OFFLINE_STATUS);
    this.#context.typing.set(new Map());
  }

  async deleteAccount(): Promise<void> {
    const runtime = this.require();
    const database = this.database;
    if (!runtime.takenOver) await deleteRelayAccount(runtime.http, runtime.tokens);
    await this.stop();
    this.#summary = null;
    // Written down before the vault forgets the key that names it (leftover-databases.ts).
    const target = this.#context.options;
    await markForDeletion(target, database.dexie.name, this.#now());
    await eraseVaultIdentity(this.#context.vault);
    await deleteEngineDatabase(database);
    await unmarkDeleted(target, database.dexie.name);
  }

  /** Databases an interrupted Delete account left behind, deleted; only while the vault has no identity. */
  async deleteLeftoverDatabases(): Promise<string[]> {
    if (this.#runtime !== null) throw new EngineError(EngineErrorCode.Internal, 'the engine is running');
    const status = await vaultStatus(this.#context.vault);
    if (status.state !== 'no-identity') return [];
    const deleted = await deleteLeftoverDatabases(this.#context.options);
    if (deleted.length > 0) {
      this.#context.logger.warn('deleted databases an interrupted account deletion left behind', {
        count: deleted.length,
      });
    }
    return deleted;
  }

  abandon(): void {
    const runtime = this.#runtime;
    this.#runtime = null;
    this.#database = null;
    runtime?.abandon();
    this.#context.status.set(OFFLINE_STATUS);
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
    const runtime = await buildRuntime(this.#context, db, account, relayUrl, token);
    // Before anything is received: a vault restored from a backup knows no relay's root until told.
    await runtime.trustRoots.restorePins();
    this.#runtime = runtime;
    this.#database = db;
    runtime.start(takenOver);
  }

  async #finishStart(account: AccountInfo, relayUrl: string): Promise<AccountSummary> {
    const code = await currentContactCode(this.database, account.accountId, relayUrl, this.#now);
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
    this.#context.logger.warn('the vault locked: stopping');
    await this.stop();
    this.#context.events.emit('locked', {});
  }
}
