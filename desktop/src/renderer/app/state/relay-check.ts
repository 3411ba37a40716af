/**
 * Onboarding's relay: the live check while the user types (is it a relay
 * URL, does a Parley relay answer there?), which asks the platform for one
 * bounded health request and allows nothing, and, for the relay the user
 * finally chooses, the platform's permission to reach it (Electron asks the
 * user in a dialog of its own; the page may then need one reload for its
 * CSP). The check also learns who may register there (open, invite, closed;
 * `unknown` from a relay too old to say: registration then tries without a
 * code and learns from the refusal). Each outcome is one sentence.
 */
import { normalizeRelayUrl } from '@parley/crypto-core/wire';
import type { RelayRegistration } from '../../../common/relay-health.js';
import { EngineError, EngineErrorCode } from '../../engine/index.js';
import type { Platform, RelayAccess, RelayCheck } from '../../platform/platform.js';
import { errorSentence } from './error-sentences.js';

export type { RelayRegistration };

export type RelayCheckResult =
  | {
      readonly ok: true;
      readonly relayUrl: string;
      readonly message: string;
      /** `invite`: registering a new account needs the operator's code. */
      readonly registration: Exclude<RelayRegistration, 'closed'>;
    }
  | { readonly ok: false; readonly message: string };

/** What to do with the relay the user chose, once the platform answered. */
export type RelayChoice =
  | { readonly kind: 'register'; readonly relayUrl: string }
  /** Allowed, but this page can reach it only after a reload (Electron's CSP is fixed per page load). */
  | { readonly kind: 'reload'; readonly relayUrl: string }
  | { readonly kind: 'refused'; readonly message: string };

const NOT_ALLOWED_BY_SHELL =
  'This web shell may only reach the relays it was started with; start it with --relay and this URL to use it.';
const DECLINED = 'Parley connects to a new relay only once you allow it; press Continue and choose Allow.';
const LIST_FULL =
  'This profile already allows as many relays as Parley keeps; choose one of the relays you used before.';
const TOO_MANY_CHECKS = 'Parley checked many addresses in a short time; wait a minute, then try again.';

function invalidUrl(cause?: unknown): string {
  return errorSentence(new EngineError(EngineErrorCode.InvalidRelayUrl, 'bad url', cause));
}

function checkSentence(check: Exclude<RelayCheck, { state: 'ok' }>): string {
  switch (check.state) {
    case 'invalid-url':
      return invalidUrl();
    case 'not-allowed-by-shell':
      return NOT_ALLOWED_BY_SHELL;
    case 'too-many-checks':
      return TOO_MANY_CHECKS;
    case 'unreachable':
      return errorSentence(new EngineError(EngineErrorCode.RelayUnreachable, 'no answer'));
    case 'not-a-relay':
      return 'Something answers at this address, but it is not a Parley relay; check the URL.';
    case 'unhealthy':
      return 'The relay answers but reports a problem; try again in a moment.';
  }
}

/** The live check: a relay URL, and a Parley relay answering there. Allows nothing. */
export async function checkRelay(input: string, platform: Pick<Platform, 'checkRelay'>): Promise<RelayCheckResult> {
  let relayUrl: string;
  try {
    relayUrl = normalizeRelayUrl(input.trim());
  } catch (error) {
    return { ok: false, message: invalidUrl(error) };
  }
  const check = await platform.checkRelay(relayUrl);
  if (check.state !== 'ok') return { ok: false, message: checkSentence(check) };
  if (check.registration === 'closed') {
    return { ok: false, message: errorSentence(new EngineError(EngineErrorCode.RegistrationClosed, 'closed')) };
  }
  const reachable = `Relay reachable (version ${check.version})`;
  const message =
    check.registration === 'invite'
      ? `${reachable}; new accounts need an invite code from its operator.`
      : `${reachable}.`;
  return { ok: true, relayUrl, message, registration: check.registration };
}

function refusal(access: Extract<RelayAccess, { allowed: false }>): string {
  switch (access.reason) {
    case 'invalid-url':
      return invalidUrl();
    case 'not-allowed-by-shell':
      return NOT_ALLOWED_BY_SHELL;
    case 'declined':
      return DECLINED;
    case 'list-full':
      return LIST_FULL;
  }
}

/** The user chose `relayUrl` (checked, canonical): asks the platform to let the page reach it. */
export async function chooseRelay(relayUrl: string, platform: Pick<Platform, 'allowRelay'>): Promise<RelayChoice> {
  const access = await platform.allowRelay(relayUrl);
  if (!access.allowed) return { kind: 'refused', message: refusal(access) };
  return access.reloadRequired === true ? { kind: 'reload', relayUrl } : { kind: 'register', relayUrl };
}
