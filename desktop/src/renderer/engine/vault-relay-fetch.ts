/**
 * A fetch for relays other than the home relay that goes through the vault's
 * relayRequest (vault/relay-proxy.ts): the page's CSP reaches only its home
 * relay, and contacts live on any relay. RelayHttpClient takes it like any
 * fetch; what the relay answered comes back as a Response with its status,
 * and no usable answer (RELAY_UNREACHABLE) as a rejection, which the client
 * reports as a relay that did not answer, as a failed fetch would be.
 */
import { ACCESS_KEY_HEADER } from '@parley/crypto-core/wire';
import type { FetchFunction } from './relay-http.js';
import type { VaultGateway } from './vault-calls.js';

function headerValue(init: RequestInit | undefined, name: string): string | undefined {
  const headers = new Headers(init?.headers);
  return headers.get(name) ?? undefined;
}

export function vaultRelayFetch(vault: VaultGateway): FetchFunction {
  return async (input, init) => {
    const url = new URL(input);
    // The relay's base may have a path of its own (https://host/parley): the API starts at /v1/ or /healthz.
    const api = Math.max(url.pathname.lastIndexOf('/v1/'), url.pathname.lastIndexOf('/healthz'));
    if (api < 0) throw new TypeError('not a relay API request');
    const relayUrl = `${url.protocol}//${url.host}${url.pathname.slice(0, api)}`;
    const method = (init?.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'POST') throw new TypeError(`no ${method} requests to another relay`);
    if (typeof init?.body !== 'string' && init?.body != null) throw new TypeError('only JSON text bodies');
    const accessKey = headerValue(init, ACCESS_KEY_HEADER);
    const answer = await vault.call('relayRequest', {
      relayUrl,
      method,
      path: `${url.pathname.slice(api)}${url.search}`,
      ...(accessKey === undefined ? {} : { accessKey }),
      ...(typeof init?.body === 'string' ? { body: init.body } : {}),
    });
    return new Response(answer.body === '' ? null : answer.body, {
      status: answer.status,
      headers: { 'content-type': 'application/json' },
    });
  };
}
