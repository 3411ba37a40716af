/**
 * The only way the renderer can widen the main process's request filter:
 * allowRelay shows a native dialog, from main, naming the relay's canonical
 * URL, and adds the relay (allowed-relays.ts: the filter at once, the CSP
 * from the next document) only when the user chooses Allow. Cancel is the
 * default button, so a keypress meant for the page cannot confirm a dialog
 * the page opened; one dialog at a time (another relay asked meanwhile is
 * declined unseen); a full list is refused without asking. A relay allowed
 * already is answered without a dialog.
 *
 * checkRelay, onboarding's live check while the user types, makes its one
 * bounded health request here, in main, with Node's fetch: outside the
 * page's session and its filter, so it needs no allowing and allows
 * nothing. The newest check cancels the one still running, and main makes
 * at most MAX_CHECKS_PER_MINUTE, so a hostile page cannot use it to scan the
 * network quickly.
 */
import type { MessageBoxOptions } from 'electron';
import type { BridgeRelayAccess, BridgeRelayCheck } from '../common/preload-api.js';
import { fetchRelayHealth } from '../common/relay-health.js';
import { type AllowedRelays, canonicalRelayUrl } from './allowed-relays.js';
import type { PageCsp } from './page-csp.js';

export const MAX_CHECKS_PER_MINUTE = 30;
const MINUTE_MS = 60_000;

/** The buttons of the consent dialog, in order; Cancel first and default. */
export const RELAY_CONSENT_BUTTONS = ['Cancel', 'Allow'] as const;
export const RELAY_CONSENT_ALLOW = RELAY_CONSENT_BUTTONS.indexOf('Allow');

/** The dialog main shows before the page may reach `relayUrl` (canonical). */
export function relayConsentDialog(relayUrl: string): MessageBoxOptions {
  return {
    type: 'question',
    title: 'Allow this relay?',
    message: `Allow Parley to connect to ${relayUrl}?`,
    detail:
      'Parley will send and receive your encrypted messages through this relay. Allow it only if you chose this relay yourself.',
    buttons: [...RELAY_CONSENT_BUTTONS],
    defaultId: RELAY_CONSENT_BUTTONS.indexOf('Cancel'),
    cancelId: RELAY_CONSENT_BUTTONS.indexOf('Cancel'),
    noLink: true,
  };
}

export interface RelayGateOptions {
  readonly relays: AllowedRelays;
  readonly pageCsp: PageCsp;
  /** Shows relayConsentDialog(relayUrl) over the window; true when the user chose Allow. */
  readonly confirm: (relayUrl: string) => Promise<boolean>;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

export class RelayGate {
  #asking: { readonly relayUrl: string; readonly answer: Promise<BridgeRelayAccess> } | null = null;
  #check: AbortController | null = null;
  readonly #checkTimes: number[] = [];

  constructor(private readonly options: RelayGateOptions) {}

  /** Lets the page reach the relay once the user allowed it in main's dialog. */
  allow(url: string): Promise<BridgeRelayAccess> {
    const { relays, pageCsp } = this.options;
    const relayUrl = canonicalRelayUrl(url);
    if (relayUrl === null) return Promise.resolve({ allowed: false, reason: 'invalid-url' });
    if (relays.has(relayUrl)) return Promise.resolve(pageCsp.accessFor(relayUrl));
    if (relays.full) return Promise.resolve({ allowed: false, reason: 'list-full' });
    const asking = this.#asking;
    if (asking !== null) {
      return asking.relayUrl === relayUrl ? asking.answer : Promise.resolve({ allowed: false, reason: 'declined' });
    }
    const answer = this.#ask(relayUrl).finally(() => {
      this.#asking = null;
    });
    this.#asking = { relayUrl, answer };
    return answer;
  }

  /** One bounded health request to the relay, from main; allows nothing. */
  async check(url: string): Promise<BridgeRelayCheck> {
    const relayUrl = canonicalRelayUrl(url);
    if (relayUrl === null) return { state: 'invalid-url' };
    const now = (this.options.now ?? Date.now)();
    while (this.#checkTimes.length > 0 && (this.#checkTimes[0] ?? 0) <= now - MINUTE_MS) this.#checkTimes.shift();
    if (this.#checkTimes.length >= MAX_CHECKS_PER_MINUTE) return { state: 'too-many-checks' };
    this.#checkTimes.push(now);
    this.#check?.abort();
    const controller = new AbortController();
    this.#check = controller;
    try {
      return await fetchRelayHealth(relayUrl, this.options.fetch ?? globalThis.fetch, { signal: controller.signal });
    } finally {
      if (this.#check === controller) this.#check = null;
    }
  }

  async #ask(relayUrl: string): Promise<BridgeRelayAccess> {
    const { relays, pageCsp, confirm, log } = this.options;
    let allowed: boolean;
    try {
      allowed = await confirm(relayUrl);
    } catch (error) {
      log?.(`the relay dialog failed: ${String(error)}`);
      allowed = false;
    }
    if (!allowed) {
      log?.(`relay not allowed by the user: ${relayUrl}`);
      return { allowed: false, reason: 'declined' };
    }
    const access = relays.allow(relayUrl);
    if (!access.allowed) return access;
    log?.(`relay allowed by the user: ${relayUrl}`);
    return pageCsp.accessFor(relayUrl);
  }
}
