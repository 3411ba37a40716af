/**
 * Onboarding's live check of a relay URL: is it a relay URL, may this page
 * reach it (platform.allowRelay, which must also happen before the engine
 * first connects), does a Parley relay answer at it (GET /healthz), and who
 * may register there (GET /v1/registration: open, invite, closed)? Each
 * failure is one sentence. A relay Electron allows only from the next page
 * load is reported as such, unchecked: the CSP would refuse the fetch. A
 * relay too old to say its policy reads as `unknown`: registration then
 * tries without a code and learns from the refusal.
 */
import {
  healthResponseSchema,
  normalizeRelayUrl,
  type RegistrationPolicy,
  registrationInfoResponseSchema,
  routes,
} from '@parley/crypto-core/wire';
import { EngineError, EngineErrorCode } from '../../engine/index.js';
import type { Platform } from '../../platform/platform.js';
import { errorSentence } from './error-sentences.js';

/** Who may register at the relay, as it said; `unknown` when it did not say. */
export type RelayRegistration = RegistrationPolicy | 'unknown';

export type RelayCheckResult =
  | {
      readonly ok: true;
      readonly relayUrl: string;
      readonly message: string;
      /** `invite`: registering a new account needs the operator's code. */
      readonly registration: Exclude<RelayRegistration, 'closed'>;
    }
  | { readonly ok: false; readonly message: string }
  /** Allowed, but this page can reach it only after a reload (Electron's CSP is fixed per page load). */
  | { readonly ok: false; readonly reloadRequired: true; readonly relayUrl: string; readonly message: string };

export const RELAY_CHECK_TIMEOUT_MS = 5_000;

export const RELOAD_REQUIRED_MESSAGE = 'Parley reloads this window once to reach a new relay; press Continue to go on.';

const NOT_ALLOWED_BY_SHELL =
  'This web shell may only reach the relays it was started with; start it with --relay and this URL to use it.';

export async function checkRelay(
  input: string,
  platform: Pick<Platform, 'allowRelay'>,
  fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
): Promise<RelayCheckResult> {
  let relayUrl: string;
  try {
    relayUrl = normalizeRelayUrl(input.trim());
  } catch (error) {
    return { ok: false, message: errorSentence(new EngineError(EngineErrorCode.InvalidRelayUrl, 'bad url', error)) };
  }
  const access = await platform.allowRelay(relayUrl);
  if (!access.allowed) {
    if (access.reason === 'not-allowed-by-shell') return { ok: false, message: NOT_ALLOWED_BY_SHELL };
    return { ok: false, message: errorSentence(new EngineError(EngineErrorCode.InvalidRelayUrl, 'refused url')) };
  }
  // The page's CSP would block the health check (and the engine) until the reload.
  if (access.reloadRequired === true)
    return { ok: false, reloadRequired: true, relayUrl, message: RELOAD_REQUIRED_MESSAGE };
  let response: Response;
  try {
    response = await fetchImpl(`${relayUrl}${routes.health}`, {
      cache: 'no-store',
      credentials: 'omit',
      signal: AbortSignal.timeout(RELAY_CHECK_TIMEOUT_MS),
    });
  } catch (error) {
    return { ok: false, message: errorSentence(new EngineError(EngineErrorCode.RelayUnreachable, 'no answer', error)) };
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const health = healthResponseSchema.safeParse(body);
  if (!health.success) {
    return { ok: false, message: 'Something answers at this address, but it is not a Parley relay; check the URL.' };
  }
  if (health.data.status !== 'ok') {
    return { ok: false, message: 'The relay answers but reports a problem; try again in a moment.' };
  }
  const registration = await registrationPolicyOf(relayUrl, fetchImpl);
  if (registration === 'closed') {
    return { ok: false, message: errorSentence(new EngineError(EngineErrorCode.RegistrationClosed, 'closed')) };
  }
  const reachable = `Relay reachable (version ${health.data.version})`;
  const message =
    registration === 'invite' ? `${reachable}; new accounts need an invite code from its operator.` : `${reachable}.`;
  return { ok: true, relayUrl, message, registration };
}

/** GET /v1/registration's policy, or `unknown` when the relay does not answer it (older relays: 404). */
async function registrationPolicyOf(relayUrl: string, fetchImpl: typeof fetch): Promise<RelayRegistration> {
  try {
    const response = await fetchImpl(`${relayUrl}${routes.registration}`, {
      cache: 'no-store',
      credentials: 'omit',
      signal: AbortSignal.timeout(RELAY_CHECK_TIMEOUT_MS),
    });
    if (!response.ok) return 'unknown';
    const info = registrationInfoResponseSchema.safeParse(await response.json());
    return info.success ? info.data.policy : 'unknown';
  } catch {
    return 'unknown';
  }
}
