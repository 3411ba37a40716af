/**
 * One bounded health request to a relay: GET <canonical relay URL>/healthz,
 * no redirects followed, no cookies, a time limit, at most
 * MAX_HEALTH_BODY_BYTES of answer read. Onboarding's live check uses it:
 * Electron's main process runs it (Node's fetch, outside the page's session,
 * so checking a relay never lets the page reach it), the web shell's page
 * runs it itself for the relays its CSP already allows. Browser-safe.
 */
import {
  healthResponseSchema,
  type RegistrationPolicy,
  registrationInfoResponseSchema,
  routes,
} from '@parley/crypto-core/wire';

/** Who may register at the relay, as it said; `unknown` when it did not say (older relays). */
export type RelayRegistration = RegistrationPolicy | 'unknown';

/** What a health request found. */
export type RelayHealth =
  | { readonly state: 'ok'; readonly version: string; readonly registration: RelayRegistration }
  /** Something answers, but not a Parley relay's health answer. */
  | { readonly state: 'not-a-relay' }
  /** A Parley relay that reports a problem (e.g. its storage). */
  | { readonly state: 'unhealthy' }
  /** No answer: refused, timed out, a redirect, or the request failed. */
  | { readonly state: 'unreachable' };

export const RELAY_HEALTH_TIMEOUT_MS = 5_000;
/** A health answer is ~60 bytes; anything much longer is not one. */
export const MAX_HEALTH_BODY_BYTES = 16 * 1024;

/** The body as text, or null when it is longer than `limit` bytes (the rest is never read). */
async function boundedText(response: Response, limit: number): Promise<string | null> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const pieces: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    pieces.push(value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const piece of pieces) {
    bytes.set(piece, offset);
    offset += piece.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * One bounded GET of `path` on the relay: the parsed JSON body and the
 * status, or null when nothing usable answered (refused, timed out, a
 * redirect, too long, not JSON).
 */
async function boundedJson(
  url: string,
  fetchImpl: typeof fetch,
  signal: AbortSignal,
): Promise<{ readonly status: number; readonly body: unknown } | null> {
  let response: Response;
  let text: string | null;
  try {
    // `cache` is the browser's (Node's fetch has no HTTP cache, and its types lack the field).
    const init: RequestInit & { cache?: 'no-store' } = {
      cache: 'no-store',
      credentials: 'omit',
      redirect: 'error',
      signal,
    };
    response = await fetchImpl(url, init);
    text = await boundedText(response, MAX_HEALTH_BODY_BYTES);
  } catch {
    return null;
  }
  try {
    return { status: response.status, body: text === null ? null : JSON.parse(text) };
  } catch {
    return { status: response.status, body: null };
  }
}

/**
 * Asks the relay at `relayUrl` (canonical: normalizeRelayUrl's output) for
 * its health and, when healthy, who may register there (GET
 * /v1/registration; `unknown` when the relay does not say). `signal`
 * cancels it early (the answer is then `unreachable`).
 */
export async function fetchRelayHealth(
  relayUrl: string,
  fetchImpl: typeof fetch,
  options: { readonly timeoutMs?: number; readonly signal?: AbortSignal } = {},
): Promise<RelayHealth> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? RELAY_HEALTH_TIMEOUT_MS);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  const answer = await boundedJson(`${relayUrl}${routes.health}`, fetchImpl, signal);
  if (answer === null) return { state: 'unreachable' };
  const health = healthResponseSchema.safeParse(answer.body);
  if (!health.success) return { state: 'not-a-relay' };
  if (health.data.status !== 'ok') return { state: 'unhealthy' };
  const policy = await boundedJson(`${relayUrl}${routes.registration}`, fetchImpl, signal);
  const info = policy !== null && policy.status === 200 ? registrationInfoResponseSchema.safeParse(policy.body) : null;
  return {
    state: 'ok',
    version: health.data.version,
    registration: info?.success === true ? info.data.policy : 'unknown',
  };
}
