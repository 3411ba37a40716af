/**
 * The relays this profile lets the page reach, persisted in the profile
 * folder (allowed-relays.json, 0600) so a restart keeps them. allow adds one
 * after canonicalising it with the same rule the vault and the relay use for
 * relay URLs (http(s), no credentials, query or fragment). Only two things
 * call allow: the launch (`--parley-relay`) and relay-gate.ts once the user
 * confirmed the relay in a dialog main showed itself. The list is bounded
 * and never evicts: when it holds MAX_ALLOWED_RELAYS, a new relay is refused
 * (`list-full`), so no entry the user confirmed can be pushed out by others.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '@parley/crypto-core/node';
import { normalizeRelayUrl } from '@parley/crypto-core/wire';
import { z } from 'zod';
import type { BridgeRelayAccess } from '../common/preload-api.js';
import { relayOrigins } from './csp.js';

export const MAX_ALLOWED_RELAYS = 32;

const fileSchema = z.strictObject({ version: z.literal(1), relayUrls: z.array(z.string()).max(1_000) });

/** The canonical form of a relay URL, or null when it is not one. */
export function canonicalRelayUrl(input: string): string | null {
  try {
    return normalizeRelayUrl(input);
  } catch {
    return null;
  }
}

export class AllowedRelays {
  #relayUrls: string[];
  #origins: ReadonlySet<string>;

  /**
   * Reads `file` (a missing or unreadable file is an empty list, logged) and
   * adds `initial` (the relays the app was started with). A launch relay is
   * always reachable for this run; it is written to the file while there is
   * room.
   */
  constructor(
    private readonly file: string,
    initial: readonly string[] = [],
    private readonly log: (line: string) => void = () => {},
  ) {
    this.#relayUrls = this.#read();
    this.#origins = relayOrigins(this.#relayUrls);
    const launch = initial.map(canonicalRelayUrl).filter((url): url is string => url !== null);
    for (const url of launch) {
      if (this.allow(url).allowed) continue;
      this.log(`${this.file} is full: ${url} is allowed for this run only`);
      this.#relayUrls = [...this.#relayUrls, url];
      this.#origins = relayOrigins(this.#relayUrls);
    }
  }

  get relayUrls(): readonly string[] {
    return this.#relayUrls;
  }

  /** The http(s) and ws(s) origins of every allowed relay (what the request filter lets through). */
  get origins(): ReadonlySet<string> {
    return this.#origins;
  }

  /** Whether this canonical relay URL is allowed already. */
  has(canonicalUrl: string): boolean {
    return this.#relayUrls.includes(canonicalUrl);
  }

  /** No room for another relay. */
  get full(): boolean {
    return this.#relayUrls.length >= MAX_ALLOWED_RELAYS;
  }

  /** Adds a relay (no-op when it is allowed already); refuses one more than MAX_ALLOWED_RELAYS, evicting nothing. */
  allow(url: string): BridgeRelayAccess {
    const canonical = canonicalRelayUrl(url);
    if (canonical === null) return { allowed: false, reason: 'invalid-url' };
    if (this.has(canonical)) return { allowed: true };
    if (this.full) return { allowed: false, reason: 'list-full' };
    this.#relayUrls = [...this.#relayUrls, canonical];
    this.#origins = relayOrigins(this.#relayUrls);
    this.#write();
    return { allowed: true };
  }

  #read(): string[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.log(`cannot read ${this.file}: ${String(error)}`);
      return [];
    }
    try {
      const parsed = fileSchema.parse(JSON.parse(text));
      const canonical = parsed.relayUrls.map(canonicalRelayUrl).filter((url): url is string => url !== null);
      // Every entry stays, even past the bound (the file is ours; nothing the user confirmed is dropped).
      return [...new Set(canonical)];
    } catch (error) {
      // A damaged list only costs the user re-allowing a relay; the relays are not secrets.
      this.log(`ignoring damaged ${this.file}: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  }

  #write(): void {
    writeFileAtomicSync(this.file, `${JSON.stringify({ version: 1, relayUrls: this.#relayUrls }, null, 2)}\n`, {
      mode: 0o600,
    });
  }
}
