/**
 * The relays this profile lets the page reach, persisted in the profile
 * folder (allowed-relays.json, 0600) so a restart keeps them. allowRelay adds
 * one after canonicalising it with the same rule the vault and the relay use
 * for relay URLs (http(s), no credentials, query or fragment). The list is
 * bounded: onboarding's live check may allow several URLs while the user
 * types; the oldest fall off first.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
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
   * adds `initial` (the relays the app was started with).
   */
  constructor(
    private readonly file: string,
    initial: readonly string[] = [],
    private readonly log: (line: string) => void = () => {},
  ) {
    this.#relayUrls = this.#read();
    this.#origins = relayOrigins(this.#relayUrls);
    for (const url of initial) this.allow(url);
  }

  get relayUrls(): readonly string[] {
    return this.#relayUrls;
  }

  /** The http(s) and ws(s) origins of every allowed relay (what the request filter lets through). */
  get origins(): ReadonlySet<string> {
    return this.#origins;
  }

  allow(url: string): BridgeRelayAccess {
    const canonical = canonicalRelayUrl(url);
    if (canonical === null) return { allowed: false, reason: 'invalid-url' };
    const next = [...this.#relayUrls.filter((known) => known !== canonical), canonical].slice(-MAX_ALLOWED_RELAYS);
    const changed = next.length !== this.#relayUrls.length || next.some((known, i) => known !== this.#relayUrls[i]);
    if (changed) {
      this.#relayUrls = next;
      this.#origins = relayOrigins(next);
      this.#write();
    }
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
      return [...new Set(canonical)].slice(-MAX_ALLOWED_RELAYS);
    } catch (error) {
      // A damaged list only costs the user re-allowing a relay; the relays are not secrets.
      this.log(`ignoring damaged ${this.file}: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  }

  #write(): void {
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ version: 1, relayUrls: this.#relayUrls }, null, 2)}\n`, {
      mode: 0o600,
    });
    renameSync(temporary, this.file);
  }
}
