/**
 * The receive path, batches in the relay's order, in two stages:
 *
 *   decrypt stage: skip copies already committed (receive-known-envelopes.ts)
 *     -> vault.decrypt (the batch, carrying the release of what committed
 *     since the last call) -> for a stranger on a relay not pinned yet,
 *     that relay's trust root pinned and the batch decrypted again
 *     (receive-sender-relays.ts)
 *   commit stage:  plan (receive-plan.ts) -> notices of forged keys
 *     (forgery-notices.ts) -> ONE Dexie transaction (receive-commit.ts)
 *     -> only after it committed: ack to the relay; the ids join the
 *     pending releases (receive-releases.ts)
 *
 * The stages overlap: while batch N commits in IndexedDB, the vault decrypts
 * batch N+1 (`decryptAhead` batches at most beyond the one committing).
 * Commits, and so acks, keep the relay's order, and every release follows
 * its commit. The vault keeps the plaintext of each decrypted envelope until
 * released, so a renderer killed anywhere between a decrypt and its commit
 * gets the same plaintext when the relay redelivers; and an envelope whose
 * commit finished but whose ack was lost is recognised by its id and only
 * acked again. A copy of an envelope that is still between the stages is
 * answered from the vault's cache and dropped by the commit's own envelope
 * id check.
 */
import type { AccountId, Envelope } from '@parley/crypto-core/wire';
import { type DecryptOutcome, MAX_RELEASED_PER_DECRYPT } from '../../common/vault-api.js';
import type { Clock } from './clock.js';

import type { EngineDatabase } from './database.js';
import { describeError } from './errors.js';
import { prepareForgeryNotices } from './forgery-notices.js';
import type { EngineLogger } from './logger.js';
import { Observable } from './observable.js';
import { commitReceived, type ReceiveCommitResult } from './receive-commit.js';
import { KnownEnvelopes } from './receive-known-envelopes.js';
import { planReceive, type ReceivePlan } from './receive-plan.js';
import { PendingReleases } from './receive-releases.js';
import { DecryptRetries } from './receive-retries.js';
import { knownSenders, SenderRelayPins } from './receive-sender-relays.js';
import { type VaultGateway, vaultErrorCode } from './vault-calls.js';

/** What the pipeline needs from the connection it serves. */
export interface AckChannel {
  ack(envelopeIds: string[]): Promise<unknown>;
}

export interface ReceiveListener {
  committed(result: ReceiveCommitResult, plan: ReceivePlan): void;
  /** The vault refused to work because it is locked. */
  vaultLocked(): void;
}

/** Points where tests simulate a crash. */
export interface ReceiveFaults {
  /** After vault.decrypt answered for a batch (the commit stage may still be busy with earlier ones). */
  afterDecrypt?(envelopeIds: readonly string[]): Promise<void> | void;
  /** After vault.decrypt and before the Dexie commit. */
  beforeReceiveCommit?(envelopeIds: readonly string[]): Promise<void> | void;
}

export interface ReceivePipelineOptions {
  /** Retries of a transient decrypt failure on this connection before leaving it to the next one. */
  readonly maxDecryptRetries: number;
  readonly retryBaseMs: number;
  /** Batches the vault may decrypt beyond the one being committed (0: one batch at a time). */
  readonly decryptAhead?: number;
}

export const DEFAULT_RECEIVE_OPTIONS: ReceivePipelineOptions = {
  maxDecryptRetries: 5,
  retryBaseMs: 1000,
  decryptAhead: 1,
};

/** A batch between the stages. */
interface DecryptedBatch {
  readonly envelopes: readonly Envelope[];
  readonly outcomes: readonly DecryptOutcome[];
  readonly sealedSenderReady: boolean;
  /** Stage durations so far (ms), for the per-batch debug line. */
  readonly timings: { readonly waitMs: number; readonly prefilterMs: number; readonly decryptMs: number };
}

function since(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

export class ReceivePipeline {
  /** True once the relay said its queue (as of connecting) was delivered and every batch before that was processed. */
  readonly drained = new Observable(false);
  #decryptTail: Promise<unknown> = Promise.resolve();
  #commitTail: Promise<unknown> = Promise.resolve();
  /** Commit steps of the latest batches: a batch decrypts once the one `decryptAhead + 1` before it committed. */
  readonly #recentCommits: Promise<unknown>[] = [];
  /** Batches enqueued and not yet through the commit stage. */
  #inFlight = 0;
  #stopped = false;
  readonly #releases: PendingReleases;
  readonly #retries: DecryptRetries;
  readonly #known: KnownEnvelopes;
  readonly #background = new Set<Promise<unknown>>();
  readonly #senderRelays = new SenderRelayPins();

  constructor(
    private readonly db: EngineDatabase,
    private readonly vault: VaultGateway,
    private readonly acks: AckChannel,
    private readonly listener: ReceiveListener,
    private readonly context: {
      readonly relayUrl: string;
      readonly ownAccountId: AccountId;
      readonly clock: Clock;
      readonly newId: () => string;
      readonly logger: EngineLogger;
      readonly faults?: ReceiveFaults | undefined;
      readonly options?: ReceivePipelineOptions | undefined;
      /** Installs the relay's sealed-sender material in the vault if needed; false when that failed. */
      readonly ensureSealedSender: () => Promise<boolean>;
      /** Fetches and pins the trust root of a relay a sealed sender named (trust-roots.ts); false when that failed. */
      readonly pinSenderRelay?: (relayUrl: string) => Promise<boolean>;
      /** The user shows contacts' read receipts (privacy-settings.ts; default yes); else they count as delivery receipts. */
      readonly showReadReceipts?: () => boolean;
    },
  ) {
    this.#releases = new PendingReleases(vault, context.logger);
    this.#known = new KnownEnvelopes(db);
    this.#retries = new DecryptRetries(this.options, (envelopes) => {
      if (!this.#stopped) this.enqueue(envelopes);
    });
  }

  private get options(): ReceivePipelineOptions {
    return this.context.options ?? DEFAULT_RECEIVE_OPTIONS;
  }

  /** Queues a batch behind the ones before it. */
  enqueue(batch: readonly Envelope[]): void {
    this.#inFlight++;
    const ahead = Math.max(0, this.options.decryptAhead ?? DEFAULT_RECEIVE_OPTIONS.decryptAhead ?? 0);
    const gate =
      this.#recentCommits.length > ahead ? this.#recentCommits[this.#recentCommits.length - ahead - 1] : null;
    // The id check needs no turn: it runs while the vault works on earlier batches.
    const prefiltered = this.#prefilter(batch);
    prefiltered.catch(() => {
      // Reported by the commit stage, through the decrypt step that awaits it.
    });
    // The next batch's call goes out as soon as this one's is sent, not when
    // it is answered: the vault queues calls in order, so it starts the next
    // batch the moment it finishes this one instead of idling for a round trip.
    let markSent: () => void = () => {};
    const sent = new Promise<void>((resolve) => {
      markSent = resolve;
    });
    const decrypted = this.#decryptTail
      .then(async () => {
        const waitStart = performance.now();
        await gate;
        return this.#stopped ? null : this.#decrypt(await prefiltered, since(waitStart), markSent);
      })
      .finally(markSent);
    decrypted.catch(() => {
      // Reported by the commit stage, which awaits the same promise.
    });
    this.#decryptTail = sent;
    const committed = this.#commitTail
      .then(async () => {
        const item = await decrypted;
        if (item !== null && !this.#stopped) await this.#commit(item);
      })
      .catch((error: unknown) => {
        this.context.logger.error('receive step failed', { error: describeError(error) });
      })
      .finally(() => this.#batchDone());
    this.#commitTail = committed;
    this.#recentCommits.push(committed);
    if (this.#recentCommits.length > ahead + 1) this.#recentCommits.shift();
  }

  /** The relay finished its initial drain: done once every earlier batch is processed. */
  queueEmpty(): void {
    this.#afterCommits(async () => {
      this.drained.set(true);
    });
  }

  /** A new connection starts: its drain is not done yet. */
  connectionStarted(): void {
    this.#afterCommits(async () => {
      this.drained.set(false);
    });
  }

  /** Resolves when every batch queued so far, and its acks and releases, are done. */
  async idle(): Promise<void> {
    await this.#commitTail;
    // The last commit scheduled the release of what no decrypt call carried.
    await this.#decryptTail;
    await Promise.allSettled([...this.#background]);
  }

  stop(): void {
    this.#stopped = true;
    this.#retries.stop();
  }

  #afterCommits(step: () => Promise<void>): void {
    this.#commitTail = this.#commitTail
      .then(() => (this.#stopped ? undefined : step()))
      .catch((error: unknown) => {
        this.context.logger.error('receive step failed', { error: describeError(error) });
      });
  }

  /** No batch is left to carry the pending releases: send them on their own, in turn with the decrypts. */
  #batchDone(): void {
    this.#inFlight--;
    if (this.#inFlight > 0 || this.#releases.size === 0) return;
    this.#decryptTail = this.#decryptTail.then(() => this.#releases.flush());
  }

  #track(work: Promise<unknown>): void {
    this.#background.add(work);
    void work.finally(() => this.#background.delete(work));
  }

  /** Copies of envelopes committed before are acked again and not decrypted; the rest go on. */
  async #prefilter(batch: readonly Envelope[]): Promise<{ toDecrypt: Envelope[]; prefilterMs: number }> {
    const start = performance.now();
    const storedIds = batch.filter((envelope) => envelope.ephemeral !== true).map((envelope) => envelope.id);
    const committedBefore = await this.#known.among(storedIds);
    if (committedBefore.size > 0 && !this.#stopped) {
      this.context.logger.debug('redelivered envelopes already stored', { count: committedBefore.size });
      // Committed before, ack lost (or not yet sent): ack again. Releasing again is harmless.
      this.#ack([...committedBefore]);
      this.#releases.add(committedBefore);
    }
    return { toDecrypt: batch.filter((envelope) => !committedBefore.has(envelope.id)), prefilterMs: since(start) };
  }

  async #decrypt(
    { toDecrypt, prefilterMs }: { toDecrypt: Envelope[]; prefilterMs: number },
    waitMs: number,
    markSent: () => void,
  ): Promise<DecryptedBatch | null> {
    const { logger } = this.context;
    if (toDecrypt.length === 0) return null;

    // Sealed envelopes open only with the relay's trust root in the vault (first login, or a new relay).
    const sealedSenderReady = await this.context.ensureSealedSender();
    const decryptStart = performance.now();
    const release = this.#releases.take(MAX_RELEASED_PER_DECRYPT);
    let outcomes: DecryptOutcome[];
    const settledAtSend = this.#senderRelays.settledRound;
    try {
      const args = { relayUrl: this.context.relayUrl, envelopes: toDecrypt };
      const call = this.vault.call('decrypt', release.length > 0 ? { ...args, release } : args);
      markSent();
      outcomes = await this.#senderRelays.withPinned((await call).results, settledAtSend, {
        pin: this.context.pinSenderRelay,
        decryptAgain: async () =>
          (await this.vault.call('decrypt', { relayUrl: this.context.relayUrl, envelopes: toDecrypt })).results,
      });
    } catch (error) {
      // Nothing of the call is known to have happened: those releases are still due.
      this.#releases.add(release);
      if (vaultErrorCode(error) === 'LOCKED') {
        this.listener.vaultLocked();
        return null;
      }
      logger.warn('decrypt failed; will retry', { count: toDecrypt.length, error: describeError(error) });
      this.#retries.later(toDecrypt);
      return null;
    }
    const decryptMs = since(decryptStart);
    await this.context.faults?.afterDecrypt?.(toDecrypt.map((envelope) => envelope.id));
    return { envelopes: toDecrypt, outcomes, sealedSenderReady, timings: { waitMs, prefilterMs, decryptMs } };
  }

  async #commit(item: DecryptedBatch): Promise<void> {
    const { logger } = this.context;
    const planStart = performance.now();
    const { knownAccounts, contactRelays, blockedAccounts } = await knownSenders(
      this.db,
      item.envelopes,
      item.outcomes,
    );
    const plan = planReceive(item.envelopes, item.outcomes, {
      knownAccounts,
      contactRelays,
      blockedAccounts,
      ownAccountId: this.context.ownAccountId,
      sealedSenderReady: item.sealedSenderReady,
      showReadReceipts: this.context.showReadReceipts?.() ?? true,
    });
    for (const dropped of plan.dropped) {
      logger.info('envelope dropped', { envelopeId: dropped.envelopeId, reason: dropped.reason });
    }
    if (plan.forgeries.length > 0) {
      // The relay these envelopes came from named a contact with a key that is not theirs.
      logger.warn('refused keys the relay forged for contacts', {
        relayUrl: this.context.relayUrl,
        count: plan.forgeries.length,
      });
    }
    if (plan.retry.length > 0) this.#retries.later(plan.retry);

    const now = this.context.clock.now();
    const forgeryNotices = await prepareForgeryNotices(
      this.db,
      plan.forgeries.map((accountId) => ({ accountId, relayUrl: this.context.relayUrl })),
      now,
      this.context.newId,
    );
    const planMs = since(planStart);
    await this.context.faults?.beforeReceiveCommit?.(plan.commitIds);

    const commitStart = performance.now();
    const result = await commitReceived(this.db, {
      messages: plan.messages,
      receipts: plan.receipts,
      profiles: plan.profiles,
      forgeryNotices,
      envelopeIds: plan.commitIds,
      relayUrl: this.context.relayUrl,
      senderRelays: plan.senderRelays,
      groups: plan.groups,
      actions: plan.actions,
      timerChanges: plan.timerChanges,
      typing: plan.typing,
      ownAccountId: this.context.ownAccountId,
      now,
    });
    const commitMs = since(commitStart);
    this.#known.add(plan.commitIds);
    this.#retries.settled(plan.commitIds);

    // Only now may the relay delete them, and the vault forget their plaintext.
    if (plan.commitIds.length > 0) this.#ack(plan.commitIds);
    this.#releases.add(plan.releaseIds);
    this.listener.committed(result, plan);
    logger.debug('receive batch', { envelopes: item.envelopes.length, ...item.timings, planMs, commitMs });
  }

  #ack(envelopeIds: string[]): void {
    const work = this.acks.ack(envelopeIds).catch((error: unknown) => {
      // Harmless: the relay redelivers on the next connection and the copy is recognised by its id.
      this.context.logger.info('ack not delivered; the relay will redeliver', {
        count: envelopeIds.length,
        error: describeError(error),
      });
    });
    this.#track(work);
  }
}
