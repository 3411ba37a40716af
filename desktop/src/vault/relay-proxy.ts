/**
 * The page's requests to relays other than its home relay, made here in the
 * vault's Node process. The page's CSP lets it reach only its own origin and
 * its home relay; contacts live on any relay, learnt from contact codes and
 * from strangers' profiles at run time, which a CSP fixed per document cannot
 * follow. So the engine reaches other relays through this one call, and the
 * page's CSP stays as narrow as it was.
 *
 * What may pass is the little a client needs of another relay, with no
 * account there (docs/protocol.md §4.8): GET its trust root, GET bundles
 * with an access key, POST a sealed send with an access key, POST a group
 * message's multi-recipient upload (the recipients' access keys in its
 * body), GET its health.
 * No Authorization header is ever sent (the page's token is for its home
 * relay alone), no cookies, no redirects followed (a relay that answers with
 * one gets the request refused, so it cannot point us elsewhere), bounded in
 * time and in size both ways. The answer's body is handed back as text with
 * its status; the engine validates it against the wire schemas as it does
 * every relay answer.
 */
import { ACCESS_KEY_HEADER, routes } from '@parley/crypto-core/wire';
import { VaultError } from '../common/dispatch.js';
import type { ParsedVaultArgs, VaultResults } from '../common/vault-api.js';
import { invalidArgumentError, relayUnreachableError } from './vault-errors.js';

export const RELAY_PROXY_TIMEOUT_MS = 15_000;
/** Largest answer taken from another relay (bundles of 16 devices are ~40 KB). */
export const MAX_RELAY_ANSWER_BYTES = 1024 * 1024;

const ACCOUNT = '[a-z2-7]{32}';
/** Method and path of every request the proxy makes; anything else is refused before any network. */
const ALLOWED: readonly { readonly method: 'GET' | 'POST'; readonly path: RegExp }[] = [
  { method: 'GET', path: new RegExp(`^${routes.trustRoot}$`) },
  { method: 'GET', path: new RegExp(`^${routes.bundles}/${ACCOUNT}(?:/[1-9][0-9]{0,2})?$`) },
  { method: 'POST', path: new RegExp(`^${routes.messages}$`) },
  // A group message's sealed upload for that relay's members (each recipient's access key in the body).
  { method: 'POST', path: new RegExp(`^${routes.multiRecipientMessages}$`) },
  { method: 'GET', path: new RegExp(`^${routes.health}$`) },
];

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export class RelayProxy {
  constructor(
    private readonly fetchImpl: FetchLike = (input, init) => fetch(input, init),
    private readonly timeoutMs = RELAY_PROXY_TIMEOUT_MS,
  ) {}

  async request(args: ParsedVaultArgs<'relayRequest'>): Promise<VaultResults['relayRequest']> {
    const allowed = ALLOWED.some((rule) => rule.method === args.method && rule.path.test(args.path));
    if (!allowed) {
      throw invalidArgumentError(`not a request another relay is asked: ${args.method} ${args.path}`);
    }
    if ((args.method === 'GET') !== (args.body === undefined)) {
      throw invalidArgumentError('a GET carries no body; a POST carries one');
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (args.accessKey !== undefined) headers[ACCESS_KEY_HEADER] = args.accessKey;
    if (args.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(`${args.relayUrl}${args.path}`, {
        method: args.method,
        headers,
        ...(args.body === undefined ? {} : { body: args.body }),
        redirect: 'error',
        credentials: 'omit',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw relayUnreachableError(`the relay at ${args.relayUrl} did not answer`, error);
    }
    const body = await readBounded(response, args.relayUrl);
    return { status: response.status, body };
  }
}

async function readBounded(response: Response, relayUrl: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_RELAY_ANSWER_BYTES) {
    await response.body?.cancel().catch(() => {});
    throw relayUnreachableError(`the relay at ${relayUrl} answered more than the proxy takes`, null);
  }
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_RELAY_ANSWER_BYTES) {
        await reader.cancel().catch(() => {});
        throw relayUnreachableError(`the relay at ${relayUrl} answered more than the proxy takes`, null);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (VaultError.is(error)) throw error;
    throw relayUnreachableError(`the answer of the relay at ${relayUrl} broke off`, error);
  }
  return Buffer.concat(chunks).toString('utf8');
}
