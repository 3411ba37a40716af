/**
 * The app's lifecycle: which screen shows (loading, onboarding, unlock, main,
 * or a fatal sentence), the vault's status, and the engine's start and stop.
 * It listens for the vault locking (stop, ask again) and, in the web shell,
 * for the vault socket being refused or taken over by another tab.
 */
import { unwrap, type VaultClient } from '../../../common/invoke.js';
import type { KeyProtection, VaultStatus } from '../../../common/vault-api.js';
import { type AccountSummary, consoleLogger, Engine, EngineError, EngineErrorCode } from '../../engine/index.js';
import { vaultFailureError } from '../../engine/vault-errors-map.js';
import type { Platform } from '../../platform/platform.js';
import { VaultTransportError } from '../../transport/transport-error.js';
import type { ConnectionState } from '../../transport/web-socket-transport.js';
import { errorSentence, logFailure } from './error-sentences.js';

/** The web shell's vault socket (Electron's IPC has no such states). */
export interface VaultConnection {
  readonly state: ConnectionState;
  connect(): Promise<void>;
  onStateChange(listener: (state: ConnectionState) => void): () => void;
  /** A new launch token, pasted into this tab: connect with it now. */
  useToken(token: string): void;
  /** Connect now instead of at the next retry. */
  reconnectNow(): void;
}

/**
 * How long the vault socket may be down before the app says that its back
 * end stopped. A dropped socket to a live shell is back in well under a
 * second; a shell that died stays down, and the page learns of the drop at
 * once (the kernel closes the dead process's sockets).
 */
export const BACK_END_STOPPED_AFTER_MS = 1_500;

export interface AppEnvironment {
  readonly vault: VaultClient;
  readonly platform: Platform;
  readonly vaultConnection: VaultConnection | null;
  /** The relay onboarding offers first (the web shell's --relay), or null. */
  defaultRelayUrl(): Promise<string | null>;
}

/** What to offer on the fatal screen. */
export type FatalAction = 'retry' | 'take-over' | 'reconnect' | 'none';

export type Route =
  | { readonly name: 'loading' }
  | { readonly name: 'fatal'; readonly message: string; readonly action: FatalAction }
  | { readonly name: 'onboarding'; readonly identityExists: boolean }
  | { readonly name: 'unlock' }
  | { readonly name: 'main'; readonly account: AccountSummary };

export class Session {
  route = $state<Route>({ name: 'loading' });
  keyProtection = $state<KeyProtection>('passphrase');
  defaultRelayUrl = $state<string | null>(null);
  /** The web shell's vault socket has been down for BACK_END_STOPPED_AFTER_MS: the back end stopped. */
  backEndStopped = $state(false);
  readonly engine: Engine;
  readonly vault: VaultClient;
  readonly platform: Platform;
  readonly #environment: AppEnvironment;
  readonly #stops: (() => void)[] = [];
  #everOpen = false;
  #backEndTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(environment: AppEnvironment, engine?: Engine) {
    this.#environment = environment;
    this.vault = environment.vault;
    this.platform = environment.platform;
    this.engine = engine ?? new Engine({ vault: environment.vault, logger: consoleLogger() });
    this.#stops.push(this.engine.on('locked', () => void this.#afterLock()));
    this.#stops.push(this.vault.on('locked', () => void this.#afterLock()));
    const connection = environment.vaultConnection;
    if (connection !== null) this.#stops.push(connection.onStateChange((state) => this.#onVaultConnection(state)));
  }

  /** Connects to the vault and shows the screen its status calls for. */
  async begin(): Promise<void> {
    this.route = { name: 'loading' };
    try {
      await this.#environment.vaultConnection?.connect();
      this.#everOpen = true;
      this.defaultRelayUrl = await this.#environment.defaultRelayUrl().catch((error: unknown) => {
        console.warn('[ui] the default relay could not be read', error);
        return null;
      });
    } catch (error) {
      this.#fatal(error);
      return;
    }
    await this.#follow(await this.#status());
  }

  /** Unlocks the vault and starts the engine; throws an EngineError for the unlock screen's sentence. */
  async unlock(passphrase?: string): Promise<void> {
    try {
      unwrap(await this.vault.invoke('unlock', passphrase === undefined ? {} : { passphrase }));
    } catch (error) {
      throw vaultFailureError(error);
    }
    await this.#startEngine();
  }

  /** Locks the vault now (passphrase profiles): the engine stops and the unlock screen shows. */
  async lock(): Promise<void> {
    await this.engine.stop();
    try {
      unwrap(await this.vault.invoke('lock', {}));
    } catch (error) {
      logFailure('locking the vault', vaultFailureError(error));
    }
    this.route = { name: 'unlock' };
  }

  /**
   * Delete account: the engine erases the account on the relay, the identity
   * in the vault and its local database; then onboarding starts afresh.
   * Throws (for the dialog's sentence) when it could not finish; the screen
   * then follows what is left (the engine runs again if the identity stayed).
   */
  async deleteAccount(): Promise<void> {
    try {
      await this.engine.deleteAccount();
    } catch (error) {
      const status = await this.#status();
      if (status?.state === 'no-identity') {
        // The keys are gone, so the account is: only the local database outlived it (logged), and it was
        // written down, so it is deleted now or, failing that, on the next start.
        logFailure('deleting the local database', error);
        await this.#deleteLeftovers();
        this.route = { name: 'onboarding', identityExists: false };
        return;
      }
      if (status !== null && !this.engine.running) await this.#follow(status);
      throw error;
    }
    this.route = { name: 'onboarding', identityExists: false };
  }

  /**
   * "Reset contact code": the engine registers a new code key, then the main
   * window shows the new code. Throws (for the dialog's sentence) when the
   * relay did not take it; the old code then stays valid.
   */
  async resetContactCode(): Promise<string> {
    const code = await this.engine.resetContactCode();
    const account = this.engine.account;
    if (account !== null && this.route.name === 'main') this.route = { name: 'main', account };
    return code;
  }

  /** Onboarding finished (the user saw their contact code). */
  enterMain(): void {
    const account = this.engine.account;
    if (account === null) {
      void this.#startEngine();
      return;
    }
    this.route = { name: 'main', account };
  }

  /** The fatal screen's button. */
  async recover(): Promise<void> {
    if (this.route.name === 'fatal' && this.route.action === 'reconnect') {
      await this.reconnect();
      return;
    }
    await this.begin();
  }

  /**
   * The web shell's vault socket again (Reconnect, or `token`: a new launch
   * token pasted into this tab). From the fatal screen the app starts over;
   * elsewhere the socket's `open` re-reads the vault's status.
   */
  async reconnect(token?: string): Promise<void> {
    const connection = this.#environment.vaultConnection;
    if (connection === null) return;
    if (token === undefined) connection.reconnectNow();
    else connection.useToken(token);
    if (this.route.name === 'fatal') await this.begin();
  }

  dispose(): void {
    for (const stop of this.#stops.splice(0)) stop();
    clearTimeout(this.#backEndTimer);
    void this.engine.stop();
  }

  async #status(): Promise<VaultStatus | null> {
    try {
      const status = unwrap(await this.vault.invoke('getStatus', {}));
      this.keyProtection = status.keyProtection;
      return status;
    } catch (error) {
      this.#fatal(vaultFailureError(error));
      return null;
    }
  }

  async #follow(status: VaultStatus | null): Promise<void> {
    if (status === null) return;
    switch (status.state) {
      case 'no-identity':
        await this.#deleteLeftovers();
        this.route = { name: 'onboarding', identityExists: false };
        return;
      case 'locked':
        if (status.keyProtection === 'os-keychain') {
          try {
            await this.unlock();
          } catch (error) {
            this.#fatal(error);
          }
          return;
        }
        this.route = { name: 'unlock' };
        return;
      case 'unlocked':
        await this.#startEngine();
        return;
    }
  }

  /** An interrupted Delete account's database, if one was left behind (engine leftover-databases.ts). */
  async #deleteLeftovers(): Promise<void> {
    try {
      await this.engine.deleteLeftoverDatabases();
    } catch (error) {
      // Nothing the user can do now; the next start tries again.
      logFailure('deleting a database an account deletion left behind', error);
    }
  }

  async #startEngine(): Promise<void> {
    try {
      const account = await this.engine.start();
      this.route = { name: 'main', account };
    } catch (error) {
      if (EngineError.is(error, EngineErrorCode.NotRegistered)) {
        this.route = { name: 'onboarding', identityExists: true };
      } else if (EngineError.is(error, EngineErrorCode.Locked)) {
        this.route = { name: 'unlock' };
      } else {
        this.#fatal(error);
      }
    }
  }

  async #afterLock(): Promise<void> {
    if (this.route.name !== 'main') return;
    await this.engine.stop();
    await this.#follow(await this.#status());
  }

  #onVaultConnection(state: ConnectionState): void {
    this.#watchBackEnd(state);
    if (state === 'refused') {
      // A shell that refuses our token is another process than the one the engine used: its vault is not ours.
      void this.engine.stop();
      this.#fatal(new VaultTransportError('FORBIDDEN', 'the shell refused the token'));
    } else if (state === 'superseded') {
      void this.engine.stop();
      this.#fatal(new VaultTransportError('SUPERSEDED', 'another tab took over'));
    } else if (state === 'open' && this.#everOpen) {
      // Events are not replayed across a reconnect, and a restarted shell's vault is locked: read the status afresh.
      void this.#recheck();
    }
  }

  /** Says that the back end stopped once the socket has been down for a while, and takes it back when it returns. */
  #watchBackEnd(state: ConnectionState): void {
    if (state === 'connecting' || state === 'reconnecting') {
      if (this.#backEndTimer === undefined && !this.backEndStopped) {
        this.#backEndTimer = setTimeout(() => {
          this.#backEndTimer = undefined;
          this.backEndStopped = true;
        }, BACK_END_STOPPED_AFTER_MS);
      }
      return;
    }
    clearTimeout(this.#backEndTimer);
    this.#backEndTimer = undefined;
    this.backEndStopped = false;
  }

  /** After the vault socket opened again: the screen the vault's status now calls for, where it differs. */
  async #recheck(): Promise<void> {
    const route = this.route.name;
    if (route === 'loading' || route === 'fatal') return;
    const status = await this.#status();
    if (status === null) return;
    if (route === 'main' && status.state !== 'unlocked') {
      await this.engine.stop();
      await this.#follow(status);
    } else if (route === 'onboarding' && status.state === 'locked') {
      // A restarted shell's vault: what was under way needs the passphrase first.
      await this.#follow(status);
    }
  }

  #fatal(error: unknown): void {
    logFailure('starting Parley', error);
    const action: FatalAction = VaultTransportError.is(error, 'SUPERSEDED')
      ? 'take-over'
      : VaultTransportError.is(error, 'FORBIDDEN')
        ? 'reconnect'
        : VaultTransportError.is(error, 'NO_TOKEN')
          ? 'none'
          : 'retry';
    this.route = { name: 'fatal', message: errorSentence(error), action };
  }
}
