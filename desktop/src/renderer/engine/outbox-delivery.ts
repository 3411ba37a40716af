/**
 * Where an outbox window's sends go. Items for contacts on our home relay go
 * over the socket, all emitted at once (socket.io keeps their order and the
 * relay commits them together), as always. Items for contacts on another
 * relay go to that relay's unauthenticated POST /v1/messages (protocol §4.6,
 * §4.7): sealed sender only, with the access key we hold, no token, no
 * account of ours there; one after another per relay, so each recipient's
 * order holds, and the relays side by side, so a slow one holds up no other.
 * A relay that cannot be reached (relay-reachability.ts) is marked down at
 * the first such failure: its later items in the window are not tried.
 */
import type { AccountId, SendRequest, UnauthenticatedSendRequest } from '@parley/crypto-core/wire';
import type { EngineDatabase } from './database.js';
import { EngineError, EngineErrorCode } from './errors.js';
import { groupMemberReach } from './groups/group-members.js';
import type { OutboxRecord } from './records.js';
import type { RelayConnection } from './relay-connection.js';
import { canonicalRelay, type RelayDirectory } from './relay-directory.js';
import { RelayCallError } from './relay-errors.js';
import { type RelayReachability, relayUnreachable } from './relay-reachability.js';

export interface PreparedSend {
  readonly item: OutboxRecord;
  readonly request: SendRequest;
  /** The recipient's relay (canonical). */
  readonly relayUrl: string;
}

export type SendOutcome =
  | { readonly kind: 'sent'; readonly serverTimestamp: number }
  | { readonly kind: 'failed'; readonly error: unknown }
  /** The relay is down: wait for its probe (`at`), without counting an attempt. */
  | { readonly kind: 'relay-down'; readonly at: number; readonly error: unknown };

export interface Delivered {
  readonly entry: PreparedSend;
  readonly outcome: SendOutcome;
}

/** Each recipient's relay (canonical), as the contacts table (else a group's fold) says; unknown recipients live on the home relay. */
export type RelayOf = (recipient: AccountId) => string;

/**
 * The send as another relay takes it: the access key is required (ACCESS_DENIED
 * without one: retrying cannot help) and every message sealed (the relay
 * must not learn the sender; the caller encrypted sealed, so anything else
 * is a bug).
 */
export function sealedSend(request: SendRequest): UnauthenticatedSendRequest {
  const { accessKey } = request;
  if (accessKey === undefined) {
    throw new EngineError(EngineErrorCode.AccessDenied, 'no access key is held for this contact on another relay');
  }
  const messages = request.messages.flatMap((message) =>
    message.type === 'sealed' ? [{ ...message, type: 'sealed' as const }] : [],
  );
  if (messages.length !== request.messages.length) {
    throw new EngineError(EngineErrorCode.Internal, 'a send to another relay must be sealed sender only');
  }
  return { ...request, messages, accessKey };
}

export class OutboxDelivery {
  constructor(
    readonly connection: RelayConnection,
    private readonly relays: RelayDirectory,
    readonly reachability: RelayReachability,
  ) {}

  /** The home relay (canonical). */
  get homeUrl(): string {
    return this.relays.homeUrl;
  }

  isHome(relayUrl: string): boolean {
    return this.relays.isHome(relayUrl);
  }

  async relayOf(db: EngineDatabase): Promise<RelayOf> {
    const relays = new Map<AccountId, string>();
    // Group members who are no contacts live where their group says; a contact's own record wins.
    for (const [accountId, member] of await groupMemberReach(db))
      relays.set(accountId, canonicalRelay(member.relayUrl));
    for (const contact of await db.contacts.toArray()) relays.set(contact.accountId, canonicalRelay(contact.relayUrl));
    return (recipient) => relays.get(recipient) ?? this.relays.homeUrl;
  }

  /**
   * When an item due at `nextAttemptAt` can go to `relayUrl`: never while
   * the home connection is down (connecting again wakes the outbox), not
   * before the next probe of another relay that is down.
   */
  availableAt(relayUrl: string, nextAttemptAt: number, never: number): number {
    if (this.isHome(relayUrl)) return this.connection.online ? nextAttemptAt : never;
    const probeAt = this.reachability.probeAt(relayUrl);
    return probeAt === null ? nextAttemptAt : Math.max(nextAttemptAt, probeAt);
  }

  /** A failure while preparing an item (its bundle fetch): a relay other than home that is not there is marked down. */
  downAt(relayUrl: string, error: unknown): number | null {
    if (this.isHome(relayUrl) || !relayUnreachable(error)) return null;
    return this.reachability.markDown(relayUrl);
  }

  /** Whether a best-effort send (typing) to `relayUrl` is worth trying now. */
  reachableNow(relayUrl: string): boolean {
    return this.isHome(relayUrl) ? this.connection.online : this.reachability.probeAt(relayUrl) === null;
  }

  /** One best-effort send (typing), never retried; a refusal is thrown. */
  async sendOnce(relayUrl: string, request: SendRequest): Promise<void> {
    if (!this.isHome(relayUrl)) {
      await this.relays.client(relayUrl).sendSealed(sealedSend(request));
      return;
    }
    const result = await this.connection.send(request);
    if (!result.ok) throw new RelayCallError(result.error.code, result.error.message, result.error);
  }

  /**
   * Sends a window, and hands each relay's outcomes to `settle` as soon as
   * that relay is done (in the group's order), so a slow relay delays no
   * other relay's records; resolves when every group is settled.
   */
  async deliver(
    prepared: readonly PreparedSend[],
    settle: (group: readonly Delivered[]) => Promise<void>,
  ): Promise<void> {
    const byRelay = new Map<string, PreparedSend[]>();
    for (const entry of prepared) {
      const group = byRelay.get(entry.relayUrl) ?? [];
      group.push(entry);
      byRelay.set(entry.relayUrl, group);
    }
    await Promise.all(
      [...byRelay].map(async ([relayUrl, entries]) => {
        const outcomes = this.isHome(relayUrl)
          ? await this.#overSocket(entries)
          : await this.#overHttp(relayUrl, entries);
        await settle(entries.map((entry, index) => ({ entry, outcome: outcomes[index] as SendOutcome })));
      }),
    );
  }

  async #overSocket(entries: readonly PreparedSend[]): Promise<SendOutcome[]> {
    // Emitted in order, in one go: the relay commits them together.
    const results = await Promise.allSettled(entries.map(({ request }) => this.connection.send(request)));
    return results.map((result): SendOutcome => {
      if (result.status === 'rejected') return { kind: 'failed', error: result.reason };
      if (result.value.ok) return { kind: 'sent', serverTimestamp: result.value.serverTimestamp };
      const { error } = result.value;
      return { kind: 'failed', error: new RelayCallError(error.code, error.message, error) };
    });
  }

  async #overHttp(relayUrl: string, entries: readonly PreparedSend[]): Promise<SendOutcome[]> {
    const http = this.relays.client(relayUrl);
    const outcomes: SendOutcome[] = [];
    let down: { at: number; error: unknown } | null = null;
    for (const { request } of entries) {
      if (down !== null) {
        outcomes.push({ kind: 'relay-down', ...down });
        continue;
      }
      try {
        const accepted = await http.sendSealed(sealedSend(request));
        this.reachability.markUp(relayUrl);
        outcomes.push({ kind: 'sent', serverTimestamp: accepted.serverTimestamp });
      } catch (error) {
        if (relayUnreachable(error)) {
          down = { at: this.reachability.markDown(relayUrl), error };
          outcomes.push({ kind: 'relay-down', ...down });
          continue;
        }
        // It answered (a refusal of this send): it is there.
        if (RelayCallError.is(error) && error.status !== null) this.reachability.markUp(relayUrl);
        outcomes.push({ kind: 'failed', error });
      }
    }
    return outcomes;
  }
}
