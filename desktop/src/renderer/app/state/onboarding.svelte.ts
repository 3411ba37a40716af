/**
 * First run: welcome -> (passphrase, where the vault has no OS keychain) ->
 * relay -> your contact code -> main window; or welcome -> restore a backup.
 * A profile whose identity exists but never registered (the relay was
 * unreachable) starts at the relay step.
 *
 * Electron may need to reload the page to reach a relay the user typed (the
 * CSP lists only the relays allowed when the page loaded): the flow then
 * creates the identity first where a passphrase protects it (the passphrase
 * is never stored), saves the step and relay URL in sessionStorage, reloads,
 * and after the reload continues at the relay step with that URL — whether
 * or not the identity exists by then.
 */
import { unwrap } from '../../../common/invoke.js';
import { EngineError, EngineErrorCode, inviteCodeOf } from '../../engine/index.js';
import { vaultFailureError } from '../../engine/vault-errors-map.js';
import { logFailure } from './error-sentences.js';
import { saveOnboardingResume, takeOnboardingResume } from './onboarding-resume.js';
import type { Session } from './session.svelte.js';

/** The page's storage and reload (sessionStorage and location.reload in the app; fakes in tests). */
export interface PageReloader {
  readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  reload(): void;
}

const browserPage: () => PageReloader = () => ({ storage: sessionStorage, reload: () => location.reload() });

export type OnboardingStep = 'welcome' | 'passphrase' | 'relay' | 'restore' | 'contact-code';

export class OnboardingFlow {
  step = $state<OnboardingStep>('welcome');
  busy = $state(false);
  /** The relay step's failure, one sentence. */
  error = $state<string | null>(null);
  /** The relay refused to register without a (valid) invite code: the relay step asks for one. */
  inviteRequested = $state(false);
  contactCode = $state<string | null>(null);
  /** The relay chosen before a reload: the relay step fills it in and continues by itself (once). */
  resumedRelayUrl = $state<string | null>(null);
  #identityExists: boolean;
  #passphrase: string | undefined;
  readonly #session: Session;
  readonly #page: PageReloader;

  constructor(session: Session, identityExists: boolean, page: PageReloader = browserPage()) {
    this.#session = session;
    this.#identityExists = identityExists;
    this.#page = page;
    const resume = takeOnboardingResume(page.storage);
    this.resumedRelayUrl = resume?.relayUrl ?? null;
    if (identityExists) this.step = 'relay';
    else if (resume === null) this.step = 'welcome';
    // No identity after the reload: a keychain profile goes on at the relay; a passphrase one asks it first.
    else this.step = this.needsPassphrase ? 'passphrase' : 'relay';
  }

  /** The resumed relay URL, handed out once (a later visit to the relay step starts from the default). */
  takeResumedRelayUrl(): string | null {
    const url = this.resumedRelayUrl;
    this.resumedRelayUrl = null;
    return url;
  }

  get needsPassphrase(): boolean {
    return this.#session.keyProtection === 'passphrase' && !this.#identityExists;
  }

  chooseCreate(): void {
    this.error = null;
    this.step = this.needsPassphrase ? 'passphrase' : 'relay';
  }

  chooseRestore(): void {
    this.step = 'restore';
  }

  backToWelcome(): void {
    this.error = null;
    this.step = 'welcome';
  }

  /** Back from the relay step: to the passphrase (if one is asked for) or the welcome. */
  backFromRelay(): void {
    this.error = null;
    this.step = this.needsPassphrase ? 'passphrase' : 'welcome';
  }

  choosePassphrase(passphrase: string): void {
    this.#passphrase = passphrase;
    this.step = 'relay';
  }

  /**
   * Creates the identity (unless it exists) and registers with the relay,
   * with the operator's invite code when the relay needs one; then shows the
   * contact code.
   */
  async register(relayUrl: string, inviteCode?: string): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.error = null;
    const engine = this.#session.engine;
    const invite = inviteCodeOf(inviteCode);
    try {
      const account = this.#identityExists
        ? await engine.register(relayUrl, invite === undefined ? {} : { inviteCode: invite })
        : await engine.createAccount({
            relayUrl,
            ...(this.#passphrase === undefined ? {} : { passphrase: this.#passphrase }),
            ...(invite === undefined ? {} : { inviteCode: invite }),
          });
      this.#identityExists = true;
      this.#passphrase = undefined;
      this.contactCode = account.contactCode;
      this.step = 'contact-code';
      return true;
    } catch (error) {
      // createAccount may have created the identity before the relay failed: register next time.
      if (!EngineError.is(error, EngineErrorCode.InvalidRelayUrl)) this.#identityExists = await this.#hasIdentity();
      if (
        EngineError.is(error, EngineErrorCode.InviteRequired) ||
        EngineError.is(error, EngineErrorCode.InviteInvalid)
      ) {
        this.inviteRequested = true;
      }
      this.error = logFailure('registering with the relay', error);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /**
   * The relay is allowed but this page's CSP predates it: keep the passphrase
   * from being lost by creating the identity now, remember where we are,
   * and reload.
   */
  async reloadForRelay(relayUrl: string): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = null;
    try {
      if (!this.#identityExists && this.#passphrase !== undefined) {
        try {
          unwrap(await this.#session.vault.invoke('createIdentity', { passphrase: this.#passphrase }));
        } catch (error) {
          throw vaultFailureError(error);
        }
        this.#identityExists = true;
        this.#passphrase = undefined;
      }
      saveOnboardingResume(this.#page.storage, { step: 'relay', relayUrl });
      this.#page.reload();
    } catch (error) {
      this.error = logFailure('preparing to reload for the relay', error);
      this.busy = false;
    }
  }

  finish(): void {
    this.#session.enterMain();
  }

  async restored(): Promise<void> {
    await this.#session.begin();
  }

  async #hasIdentity(): Promise<boolean> {
    const result = await this.#session.vault.invoke('getStatus', {}).catch(() => null);
    return result?.ok === true && result.value.state !== 'no-identity';
  }
}
