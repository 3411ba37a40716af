/**
 * The receive path, one batch at a time in the relay's order:
 *
 *   envelopes -> skip copies already committed -> vault.decrypt (batch)
 *   -> plan (receive-plan.ts) -> seal bodies and previews (WebCrypto)
 *   -> ONE Dexie transaction (receive-commit.ts)
 *   -> only after it committed: ack to the relay -> then vault.releaseDecrypted
 *
 * The vault keeps the plaintext of each decrypted envelope until released,
 * so a renderer killed between decrypt and commit gets the same plaintext
 * when the relay redelivers; and an envelope whose commit finished but whose
 * ack was lost is recognised by its id and only acked again.
 *
 * Acks and releases run beside the next batch rather than before it: they
 * only need to follow their own commit, and the relay keeps pushing (up to
 * its delivery window) meanwhile.
 */
import type { AccountId, Envelope } from '@parley/crypto-core/wire';
import type { DecryptOutcome } from '../../common/vault-api.js';
import { backoffDelay } from './backoff.js';
import type { BodyCipher } from './body-cipher.js';
import type { Clock } from './clock.js';
import type { EngineDatabase } from './database.js';
import { describeError } from './errors.js';
import type { EngineLogger } from './logger.js';
import { Observable } from './observable.js';
import { previewOf } from './previews.js';
import {
  commitReceived,
  type ReceiveCommitResult,
  type SealedIncomingMessage,
  type SealedPreview,
} from './receive-commit.js';
import { type IncomingMessage, planReceive, type ReceivePlan } from './receive-plan.js';
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
  /** After vault.decrypt and before the Dexie commit. */
  beforeReceiveCommit?(envelopeIds: readonly string[]): Promise<void> | void;
}

export interface ReceivePipelineOptions {
  /** Retries of a transient decrypt failure on this connection before leaving it to the next one. */
  readonly maxDecryptRetries: number;
  readonly retryBaseMs: number;
}

export const DEFAULT_RECEIVE_OPTIONS: ReceivePipelineOptions = { maxDecryptRetries: 5, retryBaseMs: 1000 };

export class ReceivePipeline {
  /** True once the relay said its queue (as of connecting) was delivered and every batch before that was processed. */
  readonly drained = new Observable(false);
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;
  readonly #retryAttempts = new Map<string, number>();
  readonly #retryTimers = new Set<ReturnType<typeof setTimeout>>();
  readonly #background = new Set<Promise<unknown>>();

  constructor(
    private readonly db: EngineDatabase,
    private readonly cipher: BodyCipher,
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
    },
  ) {}

  private get options(): ReceivePipelineOptions {
    return this.context.options ?? DEFAULT_RECEIVE_OPTIONS;
  }

  /** Queues a batch behind the ones before it. */
  enqueue(batch: readonly Envelope[]): void {
    this.#schedule(() => this.#process(batch));
  }

  /** The relay finished its initial drain: done once every earlier batch is processed. */
  queueEmpty(): void {
    this.#schedule(async () => {
      this.drained.set(true);
    });
  }

  /** A new connection starts: its drain is not done yet. */
  connectionStarted(): void {
    this.#schedule(async () => {
      this.drained.set(false);
    });
  }

  /** Resolves when every batch queued so far, and its acks and releases, are done. */
  async idle(): Promise<void> {
    await this.#chain;
    await Promise.allSettled([...this.#background]);
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#retryTimers.clear();
  }

  #schedule(step: () => Promise<void>): void {
    this.#chain = this.#chain
      .then(() => (this.#stopped ? undefined : step()))
      .catch((error: unknown) => {
        this.context.logger.error('receive step failed', { error: describeError(error) });
      });
  }

  #track(work: Promise<unknown>): void {
    this.#background.add(work);
    void work.finally(() => this.#background.delete(work));
  }

  async #process(batch: readonly Envelope[]): Promise<void> {
    const { logger } = this.context;
    const storedIds = batch.filter((envelope) => envelope.ephemeral !== true).map((envelope) => envelope.id);
    const known = await this.db.receivedEnvelopes.bulkGet(storedIds);
    const committedBefore = new Set(storedIds.filter((_, index) => known[index] !== undefined));
    const toDecrypt = batch.filter((envelope) => !committedBefore.has(envelope.id));
    if (committedBefore.size > 0) {
      logger.debug('redelivered envelopes already stored', { count: committedBefore.size });
      // Committed before, ack lost (or not yet sent): ack again. Releasing again is harmless.
      this.#ackThenRelease([...committedBefore], [...committedBefore]);
    }
    if (toDecrypt.length === 0) return;

    // Sealed envelopes open only with the relay's trust root in the vault (first login, or a new relay).
    const sealedSenderReady = await this.context.ensureSealedSender();
    let outcomes: DecryptOutcome[];
    try {
      outcomes = (await this.vault.call('decrypt', { relayUrl: this.context.relayUrl, envelopes: toDecrypt })).results;
    } catch (error) {
      if (vaultErrorCode(error) === 'LOCKED') {
        this.listener.vaultLocked();
        return;
      }
      logger.warn('decrypt failed; will retry', { count: toDecrypt.length, error: describeError(error) });
      this.#retryLater(toDecrypt.filter((envelope) => envelope.ephemeral !== true));
      return;
    }

    const knownAccounts = await this.#knownSenders(toDecrypt);
    const plan = planReceive(toDecrypt, outcomes, {
      knownAccounts,
      ownAccountId: this.context.ownAccountId,
      sealedSenderReady,
    });
    for (const dropped of plan.dropped) {
      logger.info('envelope dropped', { envelopeId: dropped.envelopeId, reason: dropped.reason });
    }
    if (plan.heldIds.length > 0) {
      logger.warn('envelopes held until an identity change is reviewed', { count: plan.heldIds.length });
    }
    if (plan.retry.length > 0) {
      this.#retryLater(plan.retry.filter((envelope) => envelope.ephemeral !== true));
    }

    const sealed = await this.#seal(plan.messages);
    await this.context.faults?.beforeReceiveCommit?.(plan.commitIds);

    const result = await commitReceived(this.db, {
      messages: sealed.messages,
      previews: sealed.previews,
      receipts: plan.receipts,
      identityChanges: plan.identityChanges,
      envelopeIds: plan.commitIds,
      relayUrl: this.context.relayUrl,
      now: this.context.clock.now(),
      newId: this.context.newId,
    });
    for (const id of plan.commitIds) this.#retryAttempts.delete(id);

    const ephemeralIds = new Set(batch.filter((envelope) => envelope.ephemeral === true).map((e) => e.id));
    const releaseAfterAck = plan.releaseIds.filter((id) => !ephemeralIds.has(id));
    const releaseNow = plan.releaseIds.filter((id) => ephemeralIds.has(id));
    if (releaseNow.length > 0) this.#track(this.#release(releaseNow));
    if (plan.commitIds.length > 0) this.#ackThenRelease(plan.commitIds, releaseAfterAck);
    this.listener.committed(result, plan);
  }

  async #knownSenders(envelopes: readonly Envelope[]): Promise<Set<string>> {
    const senders = [...new Set(envelopes.flatMap((envelope) => (envelope.source ? [envelope.source.accountId] : [])))];
    const contacts = await this.db.contacts.bulkGet(senders);
    return new Set(contacts.flatMap((contact) => (contact === undefined ? [] : [contact.accountId])));
  }

  /** Seals every body, and per conversation the preview of the batch's newest message, before the transaction. */
  async #seal(
    messages: readonly IncomingMessage[],
  ): Promise<{ messages: SealedIncomingMessage[]; previews: Map<string, SealedPreview> }> {
    const newest = new Map<string, IncomingMessage>();
    for (const message of messages) {
      if (message.body === null) continue;
      const current = newest.get(message.conversationId);
      if (current === undefined || message.sortKey > current.sortKey) newest.set(message.conversationId, message);
    }
    const sealedMessages = await Promise.all(
      messages.map(async (message) => ({
        ...message,
        sealedBody:
          message.body === null
            ? null
            : await this.cipher.seal({ table: 'messages', field: 'body', id: message.messageId }, message.body),
      })),
    );
    const previews = new Map<string, SealedPreview>();
    for (const [conversationId, message] of newest) {
      if (message.body === null) continue;
      const preview = await this.cipher.seal(
        { table: 'conversations', field: 'preview', id: conversationId },
        previewOf(message.body),
      );
      previews.set(conversationId, { messageId: message.messageId, preview });
    }
    return { messages: sealedMessages, previews };
  }

  #ackThenRelease(ackIds: string[], releaseIds: string[]): void {
    const work = this.acks
      .ack(ackIds)
      .catch((error: unknown) => {
        // Harmless: the relay redelivers on the next connection and the copy is recognised by its id.
        this.context.logger.info('ack not delivered; the relay will redeliver', {
          count: ackIds.length,
          error: describeError(error),
        });
      })
      .then(() => (releaseIds.length > 0 ? this.#release(releaseIds) : undefined));
    this.#track(work);
  }

  async #release(envelopeIds: string[]): Promise<void> {
    try {
      await this.vault.call('releaseDecrypted', { envelopeIds });
    } catch (error) {
      this.context.logger.warn('releaseDecrypted failed', { count: envelopeIds.length, error: describeError(error) });
    }
  }

  /** Decrypt again after a delay; after too many tries, leave it to the next connection's redelivery. */
  #retryLater(envelopes: readonly Envelope[]): void {
    const again: Envelope[] = [];
    let attempt = 0;
    for (const envelope of envelopes) {
      const attempts = (this.#retryAttempts.get(envelope.id) ?? 0) + 1;
      if (attempts > this.options.maxDecryptRetries) {
        this.#retryAttempts.delete(envelope.id);
        continue;
      }
      this.#retryAttempts.set(envelope.id, attempts);
      attempt = Math.max(attempt, attempts);
      again.push(envelope);
    }
    if (again.length === 0) return;
    const delay = backoffDelay(
      { initialMs: this.options.retryBaseMs, maxMs: 60_000, multiplier: 2, jitter: 0.3 },
      attempt - 1,
    );
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      if (!this.#stopped) this.enqueue(again);
    }, delay);
    this.#retryTimers.add(timer);
  }
}
