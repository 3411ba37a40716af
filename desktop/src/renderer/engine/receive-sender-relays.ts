/**
 * The receive path's part in sealed-sender trust across relays
 * (docs/protocol.md §5): pinning the relays strangers name, then decrypting
 * their held envelopes again, and which senders of a batch are contacts on
 * which relay (receive-plan.ts refuses a contact certified by another relay).
 */
import { type Envelope, normalizeRelayUrl } from '@parley/crypto-core/wire';
import type { DecryptOutcome } from '../../common/vault-api.js';
import { isBlocked } from './contact-access.js';
import type { EngineDatabase } from './database.js';

export interface SenderRelayPinning {
  /** Fetches and pins a relay's trust root (trust-roots.ts); false when that failed. Absent: nothing is pinned. */
  readonly pin: ((relayUrl: string) => Promise<boolean>) | undefined;
  /** The same batch through the vault again, in the same order. */
  readonly decryptAgain: () => Promise<DecryptOutcome[]>;
}

/** Rounds of pins, so a batch sent while pins were under way knows to try again. */
export class SenderRelayPins {
  #started = 0;
  #settled = 0;
  #pins: Promise<unknown> = Promise.resolve();

  /** Read just before a decrypt call goes out. */
  get settledRound(): number {
    return this.#settled;
  }

  /**
   * Sealed senders from relays not pinned yet (UNKNOWN_SENDER_RELAY, the
   * relay named in their profile): pins those relays' roots, then decrypts
   * the same batch again in the same order. The vault kept nothing of the
   * held envelopes, and answers the others from its cache. One round: every
   * relay the batch names was collected in the first. A later batch whose
   * call went out while an earlier one was pinning (the decrypt stage runs
   * ahead) may hold the same sender's next envelopes, uncertified then
   * (INVALID_CERTIFICATE): it waits for those pins and decrypts again too.
   */
  async withPinned(
    outcomes: DecryptOutcome[],
    settledAtSend: number,
    pinning: SenderRelayPinning,
  ): Promise<DecryptOutcome[]> {
    const pin = pinning.pin;
    if (pin === undefined) return outcomes;
    const named = new Set(
      outcomes.flatMap((outcome) =>
        !outcome.ok && outcome.error.code === 'UNKNOWN_SENDER_RELAY' && outcome.unknownRelay !== undefined
          ? [outcome.unknownRelay]
          : [],
      ),
    );
    if (named.size > 0) {
      // Synchronously, before any await: a batch answered after this one sees the round started.
      const round = ++this.#started;
      const pins = Promise.all([...named].map((relayUrl) => pin(relayUrl)));
      this.#pins = pins;
      const pinned = await pins;
      this.#settled = Math.max(this.#settled, round);
      if (!pinned.includes(true)) return outcomes;
    } else {
      const uncertified = outcomes.some((outcome) => !outcome.ok && outcome.error.code === 'INVALID_CERTIFICATE');
      // Decrypted with every pin settled when it was sent: nothing new to try.
      if (!uncertified || settledAtSend === this.#started) return outcomes;
      await this.#pins;
    }
    return pinning.decryptAgain();
  }
}

/** A contact's relay as stored (older versions stored a loopback alias as typed), canonical; unchanged if not a URL. */
function canonicalRelay(relayUrl: string): string {
  try {
    return normalizeRelayUrl(relayUrl);
  } catch {
    return relayUrl;
  }
}

/**
 * Which of the batch's named senders (sources, senders the vault learned,
 * and accounts a forged key claimed) are contacts, each one's relay
 * (canonical), and which are blocked.
 */
export async function knownSenders(
  db: EngineDatabase,
  envelopes: readonly Envelope[],
  outcomes: readonly DecryptOutcome[],
): Promise<{ knownAccounts: Set<string>; contactRelays: Map<string, string>; blockedAccounts: Set<string> }> {
  const named = [
    ...envelopes.flatMap((envelope) => (envelope.source ? [envelope.source.accountId] : [])),
    ...outcomes.flatMap((outcome) => {
      if (outcome.ok) return [outcome.value.sender.accountId];
      return [
        ...(outcome.impersonated !== undefined ? [outcome.impersonated] : []),
        ...(outcome.sender !== undefined ? [outcome.sender.accountId] : []),
      ];
    }),
  ];
  const senders = [...new Set(named)];
  const contacts = (await db.contacts.bulkGet(senders)).flatMap((contact) => (contact ? [contact] : []));
  return {
    knownAccounts: new Set(contacts.map((contact) => contact.accountId)),
    contactRelays: new Map(contacts.map((contact) => [contact.accountId, canonicalRelay(contact.relayUrl)])),
    blockedAccounts: new Set(contacts.filter(isBlocked).map((contact) => contact.accountId)),
  };
}
