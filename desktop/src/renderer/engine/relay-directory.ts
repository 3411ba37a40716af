/**
 * The relays this profile talks to, by canonical URL (crypto-core's
 * normalizeRelayUrl, so `localhost` and `127.0.0.1` spellings of one relay
 * are one entry): the home relay, where the account lives and receives (its
 * HTTP client goes with our token and the socket), and the relays of
 * contacts who live elsewhere, reached over HTTP only, with no account and
 * no token there: a bundle fetch and a sealed send present the contact's
 * access key and nothing about us (docs/protocol.md §4.6).
 */
import { normalizeRelayUrl } from '@parley/crypto-core/wire';
import type { FetchFunction } from './relay-http.js';
import { RelayHttpClient } from './relay-http.js';

/** The canonical form of a relay URL; null when it is not one (http or https, a host, nothing else). */
export function relayUrlOrNull(url: string): string | null {
  try {
    return normalizeRelayUrl(url);
  } catch {
    return null;
  }
}

/**
 * The canonical form of a relay URL we stored (from a parsed contact code, or
 * our home), or the URL as given when it cannot be parsed: it then matches
 * only itself.
 */
export function canonicalRelay(url: string): string {
  return relayUrlOrNull(url) ?? url;
}

/** The host a person recognises a relay by ("relay.example.org", "127.0.0.1:8443"). */
export function relayHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export class RelayDirectory {
  readonly homeUrl: string;
  readonly #clients = new Map<string, RelayHttpClient>();

  constructor(
    readonly home: RelayHttpClient,
    private readonly fetchFunction?: FetchFunction,
  ) {
    this.homeUrl = canonicalRelay(home.baseUrl);
    this.#clients.set(this.homeUrl, home);
  }

  /** True when `url` names the home relay (any spelling of it). */
  isHome(url: string): boolean {
    return canonicalRelay(url) === this.homeUrl;
  }

  /** The HTTP client for the relay at `url`: the home client for the home relay, one per other relay. */
  client(url: string): RelayHttpClient {
    const key = canonicalRelay(url);
    let client = this.#clients.get(key);
    if (client === undefined) {
      client = new RelayHttpClient(key, this.fetchFunction);
      this.#clients.set(key, client);
    }
    return client;
  }
}
