/**
 * The relay's own URLs, which proof-of-possession signatures must name
 * (docs/protocol.md §3). A device signs the canonical URL of the relay it
 * chose to talk to; this relay accepts a signature only if it verifies for
 * one of these. So a malicious relay that passes this relay's challenge to
 * its own users gets answers that are worthless here (the origin binding of
 * WebAuthn, for the same reason).
 *
 * Operators set them with --public-url (behind a TLS proxy the relay cannot
 * see the URL clients use). Without it the relay derives them from the
 * address it is bound to, which is right for a private relay on one machine
 * or a LAN. On loopback the aliases people type (`http://localhost:PORT`,
 * `http://[::1]:PORT`) need no extra entry: normalizeRelayUrl writes them as
 * `http://127.0.0.1:PORT` on both sides (docs/protocol.md §2).
 */
import { isIP } from 'node:net';
import { normalizeRelayUrl } from '@parley/crypto-core/wire';

export interface BoundAddress {
  readonly address: string;
  readonly port: number;
}

/** True for 127.0.0.0/8, ::1 (and its IPv4-mapped forms) and the name localhost. */
export function isLoopbackAddress(address: string): boolean {
  const host = address.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  const v4 = host.startsWith('::ffff:') ? host.slice('::ffff:'.length) : host;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

function httpUrl(host: string, port: number): string | null {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const hostPart = isIP(bare) === 6 ? `[${bare}]` : bare;
  try {
    return normalizeRelayUrl(`http://${hostPart}:${port}`);
  } catch {
    // A --host that is no URL host (the listen call accepted it, so it resolved): the bound address still counts.
    return null;
  }
}

/**
 * The URLs a relay without --public-url answers to: http://ADDRESS:PORT of
 * the bound socket and http://HOST:PORT when --host is a name. Canonical,
 * without duplicates (so ::1, 127.0.0.1 and localhost give one URL).
 */
export function derivedRelayUrls(host: string, bound: BoundAddress): readonly string[] {
  const urls = [httpUrl(bound.address, bound.port), httpUrl(host, bound.port)];
  return [...new Set(urls.filter((url): url is string => url !== null))];
}

/**
 * The accepted URLs, settled once the server listens (a derived URL needs
 * the bound port, and --port 0 picks it only then). Until then nothing is
 * accepted; no request can arrive before the listen anyway.
 */
export class RelayUrls {
  #urls: readonly string[] = [];

  constructor(private readonly configured: readonly string[]) {}

  /** True when the operator named the URLs (--public-url); false when they are derived. */
  get isConfigured(): boolean {
    return this.configured.length > 0;
  }

  get accepted(): readonly string[] {
    return this.#urls;
  }

  /** Fixes the accepted URLs for the address the server is bound to; returns them. */
  settle(host: string, bound: BoundAddress): readonly string[] {
    this.#urls = this.isConfigured ? this.configured : derivedRelayUrls(host, bound);
    return this.#urls;
  }
}
