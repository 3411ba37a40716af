/**
 * Relays' sealed-sender trust roots, fetched over each relay's own URL and
 * pinned in the vault per canonical relay URL (docs/protocol.md §5, Sealed
 * sender): the home relay's at login, a contact's relay when the contact is
 * added, and a stranger's relay named in their profile. The vault is the one
 * authority for pins; the relays table mirrors what it accepted (for the
 * home relay, Dexie held the pin before the vault did: that root is handed to
 * the vault first, so an old pin is kept, not replaced by what the relay
 * serves today).
 *
 * A relay that serves another root than the pinned one is refused (the vault
 * answers TRUST_ROOT_CHANGED) and shown: `trustRootChanged` tells the runtime,
 * which emits the event the status bar and log show, naming the relay.
 */
import { normalizeRelayUrl } from '@parley/crypto-core/wire';
import type { Clock } from './clock.js';
import type { EngineDatabase } from './database.js';
import { describeError, EngineError, EngineErrorCode } from './errors.js';
import type { EngineLogger } from './logger.js';
import type { RelayRecord } from './records.js';
import type { RelayHttpClient } from './relay-http.js';
import { type VaultGateway, vaultErrorCode } from './vault-calls.js';

export interface TrustRootContext {
  /** A client for a relay's base URL (the home relay's own client for it). */
  readonly httpFor: (relayUrl: string) => RelayHttpClient;
  readonly clock: Clock;
  readonly logger: EngineLogger;
  /** A relay presented another trust root than the pinned one (refused). */
  readonly trustRootChanged: (relayUrl: string) => void;
}

export class TrustRootPins {
  /** One fetch per relay at a time, and none again this session once pinned. */
  readonly #pinning = new Map<string, Promise<string>>();

  constructor(
    private readonly db: EngineDatabase,
    private readonly vault: VaultGateway,
    private readonly context: TrustRootContext,
  ) {}

  /**
   * The relay's trust root (base64), pinned: fetched from the relay and
   * pinned in the vault. Throws EngineError TRUST_ROOT_CHANGED (naming the
   * relay) when it serves another root than the pinned one, or the fetch's
   * failure (the next call tries again).
   */
  pin(relayUrl: string): Promise<string> {
    const relay = normalizeRelayUrl(relayUrl);
    let pinning = this.#pinning.get(relay);
    if (pinning === undefined) {
      pinning = this.#fetchAndPin(relay);
      this.#pinning.set(relay, pinning);
      pinning.catch(() => this.#pinning.delete(relay));
    }
    return pinning;
  }

  /**
   * Hands every root the relays table records to the vault, before anything
   * is received: a vault restored from a backup holds no pins (they are not
   * in backups; the table is), so without this a contact on another relay
   * would find no root for their certificates until their relay's root was
   * fetched again. A recorded root the vault refuses (it pinned another) is
   * reported as a changed root, and the others are still handed over.
   */
  async restorePins(): Promise<void> {
    const recorded = (await this.db.relays.toArray()).filter((relay) => relay.trustRoot != null);
    for (const relay of recorded) {
      if (relay.trustRoot == null) continue;
      try {
        await this.#pinInVault(normalizeRelayUrl(relay.url), relay.trustRoot);
      } catch (error) {
        this.context.logger.warn('a recorded trust root was not pinned', {
          relayUrl: relay.url,
          error: describeError(error),
        });
      }
    }
  }

  async #fetchAndPin(relay: string): Promise<string> {
    const stored = await this.db.relays.get(relay);
    // A root Dexie pinned before the vault kept pins goes to the vault first.
    if (stored?.trustRoot != null) await this.#pinInVault(relay, stored.trustRoot);
    const { publicKey } = await this.context.httpFor(relay).trustRoot();
    await this.#pinInVault(relay, publicKey);
    await this.#mirror(relay, stored, publicKey);
    return publicKey;
  }

  async #pinInVault(relay: string, trustRoot: string): Promise<void> {
    try {
      await this.vault.call('pinTrustRoot', { relayUrl: relay, trustRoot });
    } catch (error) {
      if (vaultErrorCode(error) !== 'TRUST_ROOT_CHANGED') throw error;
      this.context.logger.warn('a relay presented a different trust root; refused', { relayUrl: relay });
      this.context.trustRootChanged(relay);
      throw new EngineError(
        EngineErrorCode.TrustRootChanged,
        `the relay ${relay} presented a different trust root than the one pinned for it; nothing from it is trusted`,
        error,
        relay,
      );
    }
  }

  /** The relays table mirrors the vault's pins (the home relay's row exists since registration). */
  async #mirror(relay: string, stored: RelayRecord | undefined, trustRoot: string): Promise<void> {
    if (stored !== undefined) {
      if (stored.trustRoot !== trustRoot) await this.db.relays.update(relay, { trustRoot });
      return;
    }
    const record: RelayRecord = {
      url: relay,
      role: 'known',
      trustRoot,
      registeredAt: null,
      addedAt: this.context.clock.now(),
    };
    await this.db.relays.put(record);
  }
}
