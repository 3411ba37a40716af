/**
 * Which of the contacts' relays (not our home relay: that one has its
 * connection, relay-connection.ts) cannot be reached now. A send that finds
 * one unreachable (no answer, a timeout, a 5xx) marks it down until its next
 * probe, each relay with its own backoff: the outbox holds that relay's
 * items until then, without counting attempts, and keeps sending to every
 * other relay. The first send after the probe time is the probe; an answer
 * (even a refusal) marks the relay up again.
 *
 * The UI hears the down relays with the contacts whose texts wait for them
 * ("Can't reach relay.example.org — messages to Bob will be sent when it's
 * back"). A relay nothing in the outbox waits for any more is forgotten:
 * no probe would clear it, and the next send to it finds out again.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import type { Clock } from './clock.js';
import type { EngineDatabase } from './database.js';
import { Observable } from './observable.js';
import { canonicalRelay, relayHost } from './relay-directory.js';
import { RelayCallError, RelayFailure } from './relay-errors.js';

export interface WaitingContact {
  readonly accountId: AccountId;
  readonly displayName: string | null;
}

export interface UnreachableRelay {
  /** Canonical URL. */
  readonly relayUrl: string;
  /** What to call it in a sentence ("relay.example.org"). */
  readonly host: string;
  /** When it was first found unreachable (ms). */
  readonly since: number;
  /** When the outbox tries it again (ms). */
  readonly nextProbeAt: number;
  /** Contacts on it with texts waiting in the outbox. */
  readonly waitingFor: readonly WaitingContact[];
}

/** A failure that says the relay is not there (as opposed to a refusal of this send). */
export function relayUnreachable(error: unknown): boolean {
  if (!RelayCallError.is(error)) return false;
  if (error.code === RelayFailure.Network || error.code === RelayFailure.Timeout) return true;
  return error.status !== null && error.status >= 500;
}

interface Outage {
  readonly since: number;
  readonly failures: number;
  readonly nextProbeAt: number;
}

function sameUnreachable(a: readonly UnreachableRelay[], b: readonly UnreachableRelay[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class RelayReachability {
  readonly unreachable = new Observable<readonly UnreachableRelay[]>([], sameUnreachable);
  readonly #outages = new Map<string, Outage>();
  #refreshing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: EngineDatabase,
    private readonly clock: Clock,
    private readonly backoff: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** When the relay may be tried again: null while it is not known to be down. */
  probeAt(relayUrl: string): number | null {
    return this.#outages.get(canonicalRelay(relayUrl))?.nextProbeAt ?? null;
  }

  /** A send found the relay unreachable: down until the next probe, which it returns. */
  markDown(relayUrl: string): number {
    const key = canonicalRelay(relayUrl);
    const now = this.clock.now();
    const previous = this.#outages.get(key);
    const failures = (previous?.failures ?? 0) + 1;
    const nextProbeAt = now + backoffDelay(this.backoff, failures - 1, this.random);
    this.#outages.set(key, { since: previous?.since ?? now, failures, nextProbeAt });
    this.refresh();
    return nextProbeAt;
  }

  /** The relay answered. */
  markUp(relayUrl: string): void {
    if (this.#outages.delete(canonicalRelay(relayUrl))) this.refresh();
  }

  /** Publishes the down relays again with who waits for them (the outbox changed, or an outage did). */
  refresh(): void {
    this.#refreshing = this.#refreshing.then(() => this.#publish()).catch(() => undefined);
  }

  /** Resolves when the last refresh is published (tests). */
  async idle(): Promise<void> {
    await this.#refreshing;
  }

  async #publish(): Promise<void> {
    if (this.#outages.size === 0) {
      this.unreachable.set([]);
      return;
    }
    const pending = new Set<AccountId>();
    const texts = new Set<AccountId>();
    await this.db.outbox.each((item) => {
      pending.add(item.recipient);
      if (item.kind === 'text') texts.add(item.recipient);
    });
    const contacts = (await this.db.contacts.bulkGet([...pending])).filter((contact) => contact !== undefined);
    const list: UnreachableRelay[] = [];
    for (const [relayUrl, outage] of this.#outages) {
      const there = contacts.filter((contact) => canonicalRelay(contact.relayUrl) === relayUrl);
      if (there.length === 0) {
        // Nothing waits for it any more: no probe would ever clear it; the next send finds out again.
        this.#outages.delete(relayUrl);
        continue;
      }
      const waitingFor = there
        .filter((contact) => texts.has(contact.accountId))
        .map((contact) => ({ accountId: contact.accountId, displayName: contact.displayName }));
      list.push({
        relayUrl,
        host: relayHost(relayUrl),
        since: outage.since,
        nextProbeAt: outage.nextProbeAt,
        waitingFor,
      });
    }
    list.sort((a, b) => a.relayUrl.localeCompare(b.relayUrl));
    this.unreachable.set(list);
  }
}
