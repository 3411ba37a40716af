/**
 * A running engine for one unlocked profile: builds every part around one
 * database, one data key and the home relay, and wires them together. The
 * Engine facade (engine.ts) creates one per start and drops it on stop.
 */
import type { AccountInfo } from '../../common/vault-api.js';
import { AccessKeyRegistration } from './access-keys.js';
import type { MonotonicClock } from './clock.js';
import { Composer, checkBody } from './composer.js';
import type { ConnectionStatus } from './connection-status.js';
import { contactReach, isBlocked } from './contact-access.js';
import { ContactBook } from './contacts.js';
import { pruneHeldActions } from './conversation-actions.js';
import { ConversationActions } from './conversation-send.js';
import type { EngineDatabase } from './database.js';
import { describeError, EngineError, EngineErrorCode } from './errors.js';
import type { EngineEvents } from './events.js';
import type { Forgery } from './forgery-notices.js';
import { GroupControl } from './groups/group-control.js';
import { SenderKeyRepair } from './groups/sender-key-repair.js';
import type { EngineLogger } from './logger.js';
import { MessageExpiry } from './message-expiry.js';
import { acceptRequest, isRequest, type RequestContext } from './message-requests.js';
import type { EventHub, Observable, Unsubscribe } from './observable.js';
import { OutboxDelivery } from './outbox-delivery.js';
import { OutboxQueue } from './outbox-queue.js';
import type { OutboxFaults, OutboxOptions, OutboxWorker } from './outbox-worker.js';
import { PreKeyMaintenance, type PreKeyOptions } from './prekey-maintenance.js';
import type { PrivacySettings } from './privacy-settings.js';
import { EngineQueries } from './queries.js';
import { QueuedCount } from './queued-count.js';
import { type MarkReadResult, ReadReceipts } from './read-receipts.js';
import type { ReceiveFaults, ReceivePipeline, ReceivePipelineOptions } from './receive-pipeline.js';
import type { MentionRecord, MessageRecord } from './records.js';
import { RelayTokens } from './relay-auth.js';
import { RelayConnection, type RelayConnectionOptions } from './relay-connection.js';
import { RelayDirectory } from './relay-directory.js';
import type { FetchFunction } from './relay-http.js';
import { RelayHttpClient } from './relay-http.js';
import { RelayReachability } from './relay-reachability.js';
import { createOutboxWorker, recordRelayForgery } from './runtime-outbox.js';
import { createReceivePipeline } from './runtime-receive.js';
import { SenderCertificates } from './sender-certificates.js';
import { SessionRepair } from './session-repair.js';
import { SessionManager } from './sessions.js';
import { recordTakenOver, TakeoverLatch } from './takeover.js';
import { TrustRootPins } from './trust-roots.js';
import { type TypingOptions, type TypingState, TypingThrottle, TypingTracker } from './typing.js';
import { TypingNotifier } from './typing-notifier.js';
import type { VaultGateway } from './vault-calls.js';
import { vaultRelayFetch } from './vault-relay-fetch.js';

/**
 * How long received envelope ids are kept for de-duplication: longer than the
 * relay keeps an unacknowledged envelope (30 days by default).
 */
export const RECEIVED_ENVELOPE_RETENTION_MS = 45 * 24 * 60 * 60 * 1000;

export interface RuntimeSettings {
  readonly connection: RelayConnectionOptions;
  readonly outbox: OutboxOptions;
  readonly typing: TypingOptions;
  readonly prekeys: PreKeyOptions;
  readonly receive: ReceivePipelineOptions;
  readonly fetch?: FetchFunction | undefined;
  readonly faults?: (ReceiveFaults & OutboxFaults) | undefined;
}

export interface RuntimeParts {
  readonly db: EngineDatabase;
  readonly vault: VaultGateway;
  readonly account: AccountInfo;
  readonly relayUrl: string;
  readonly clock: MonotonicClock;
  readonly logger: EngineLogger;
  readonly events: EventHub<EngineEvents>;
  readonly status: Observable<ConnectionStatus>;
  readonly typing: Observable<TypingState>;
  /** Read receipts and typing on or off, loaded before the runtime starts. */
  readonly privacy: PrivacySettings;
  readonly newId: () => string;
  /** The vault locked or the engine must stop for another reason. */
  readonly onFatal: (reason: 'locked') => void;
}

export class EngineRuntime {
  readonly http: RelayHttpClient;
  /** The home relay's client and one per relay of a contact who lives elsewhere. */
  readonly relays: RelayDirectory;
  /** Which of those other relays cannot be reached now. */
  readonly reachability: RelayReachability;
  readonly tokens: RelayTokens;
  readonly accessKeys: AccessKeyRegistration;
  readonly connection: RelayConnection;
  readonly sessions: SessionManager;
  readonly sessionRepair: SessionRepair;
  readonly senderKeyRepair: SenderKeyRepair;
  readonly certificates: SenderCertificates;
  readonly trustRoots: TrustRootPins;
  readonly prekeys: PreKeyMaintenance;
  readonly queue: OutboxQueue;
  /** Sends to each recipient's relay: the socket for home, HTTP for the others. */
  readonly delivery: OutboxDelivery;
  readonly outbox: OutboxWorker;
  readonly pipeline: ReceivePipeline;
  readonly typingTracker: TypingTracker;
  readonly typingNotifier: TypingNotifier;
  readonly queuedCount: QueuedCount;
  readonly contacts: ContactBook;
  readonly composer: Composer;
  readonly actions: ConversationActions;
  readonly expiry: MessageExpiry;
  readonly groups: GroupControl;
  readonly readReceipts: ReadReceipts;
  readonly queries: EngineQueries;
  readonly privacy: PrivacySettings;
  /** Trips on the first DEVICE_TAKEN_OVER from any path, and retires this runtime for good (takeover.ts). */
  readonly #takeover = new TakeoverLatch(() => this.#retire());
  readonly #unsubscribe: Unsubscribe[] = [];
  #stopped = false;
  /** Relays refused this session for serving another trust root than the pinned one (shown in the status bar). */
  readonly #refusedRelays = new Set<string>();

  constructor(
    private readonly parts: RuntimeParts,
    settings: RuntimeSettings,
  ) {
    const { db, vault, account, relayUrl, clock, logger, privacy } = parts;
    const accountId = account.accountId;
    this.http = new RelayHttpClient(relayUrl, settings.fetch);
    this.http.observeRefusals((error) => this.#takeover.observe(error.code));
    this.tokens = new RelayTokens(this.http, vault, relayUrl, account, clock);
    this.connection = new RelayConnection(
      relayUrl,
      this.tokens,
      {
        envelopes: (batch) => this.pipeline.enqueue(batch),
        queueEmpty: () => this.pipeline.queueEmpty(),
        preKeysLow: (counts) => void this.prekeys.onPreKeysLow(counts),
        connected: () => this.#connected(),
        relayError: (error) => this.parts.events.emit('relay-error', { code: error.code, message: error.message }),
        takenOver: () => this.#takeover.trip(),
      },
      logger,
      settings.connection,
    );
    this.accessKeys = new AccessKeyRegistration(db, this.http, this.tokens, { clock, logger });
    // Other relays through the vault's process: the page's CSP reaches only the home relay (vault/relay-proxy.ts).
    this.relays = new RelayDirectory(this.http, settings.fetch ?? vaultRelayFetch(vault));
    this.reachability = new RelayReachability(db, clock, settings.outbox.relayProbe);
    this.sessions = new SessionManager(this.relays, this.tokens, vault, (peer) => contactReach(db, peer, relayUrl));
    this.sessionRepair = new SessionRepair(db, this.sessions, {
      clock,
      logger,
      newId: parts.newId,
      queued: () => {
        this.queuedCount.refresh();
        this.outbox.kick();
      },
    });
    this.senderKeyRepair = new SenderKeyRepair(db, {
      clock,
      logger,
      queued: () => {
        this.queuedCount.refresh();
        this.outbox.kick();
      },
    });
    this.trustRoots = new TrustRootPins(db, vault, {
      httpFor: (url) => this.relays.client(url),
      clock,
      logger,
      trustRootChanged: (url) => {
        this.#refusedRelays.add(url);
        this.#publishStatus();
        parts.events.emit('trust-root-changed', { relayUrl: url });
      },
    });
    this.certificates = new SenderCertificates(this.trustRoots, this.http, this.tokens, vault, relayUrl, clock, logger);
    this.prekeys = new PreKeyMaintenance(db, this.http, this.tokens, vault, relayUrl, clock, logger, settings.prekeys);
    this.queue = new OutboxQueue(db);
    this.delivery = new OutboxDelivery(this.connection, this.relays, this.reachability);
    this.outbox = createOutboxWorker(this, parts, settings);
    this.pipeline = createReceivePipeline(this, parts, settings);
    this.queuedCount = new QueuedCount(this.queue);
    this.typingTracker = new TypingTracker(settings.typing);
    this.typingNotifier = new TypingNotifier(
      db,
      vault,
      this.delivery,
      this.sessions,
      new TypingThrottle(clock, settings.typing),
      { relayUrl, self: accountId, clock, logger, enabled: () => privacy.value.typingIndicators },
    );
    this.contacts = new ContactBook(db, this.sessions, vault, {
      homeRelayUrl: relayUrl,
      ownAccountId: accountId,
      clock,
      pinRelay: (url) => this.trustRoots.pin(url),
    });
    this.composer = new Composer(db, { ownAccountId: accountId, clock, newId: parts.newId });
    this.actions = new ConversationActions(db, { ownAccountId: accountId, clock, newId: parts.newId });
    this.expiry = new MessageExpiry(db, clock, logger, (removed) => {
      for (const { conversationId, messageId } of removed)
        parts.events.emit('message-changed', { conversationId, messageId });
    });
    this.groups = new GroupControl(db, vault, {
      ownAccountId: accountId,
      homeRelayUrl: relayUrl,
      clock,
      queued: () => {
        this.queuedCount.refresh();
        this.outbox.kick();
      },
    });
    this.readReceipts = new ReadReceipts(db, clock);
    this.queries = new EngineQueries(db, () => clock.now());
    this.privacy = privacy;
  }

  /** Another install holds this device now: nothing is sent, received, acked or uploaded any more. */
  get takenOver(): boolean {
    return this.#takeover.tripped;
  }

  /**
   * Starts everything; for a profile that was taken over before (`takenOver`,
   * from its settings) only what reads the local history: no connection,
   * outbox, receipts or key upkeep.
   */
  start(takenOver = false): void {
    this.#unsubscribe.push(
      this.connection.state.subscribe(() => this.#publishStatus()),
      this.queuedCount.count.subscribe(() => this.#publishStatus()),
      this.reachability.unreachable.subscribe(() => this.#publishStatus()),
      this.pipeline.drained.subscribe((drained) => {
        this.#publishStatus();
        if (drained) this.parts.events.emit('drained', { relayUrl: this.parts.relayUrl });
      }),
      this.typingTracker.state.subscribe((state) => {
        this.parts.typing.set(state);
        this.parts.events.emit('typing', state);
      }),
      this.parts.vault.on('locked', () => this.parts.onFatal('locked')),
      // Typing turned off: nobody shows as typing any more (and nobody will until it is on again).
      this.parts.privacy.subscribe((choices) => {
        if (!choices.typingIndicators) this.typingTracker.stop();
      }),
    );
    this.queuedCount.refresh();
    // Disappearing messages go on time even in a copy that was taken over (it still shows the history).
    this.expiry.start();
    if (takenOver) {
      this.#takeover.trip();
      return;
    }
    void this.sessionRepair.seed();
    this.connection.start();
    this.outbox.start();
    void this.parts.db
      .pruneReceivedEnvelopes(this.parts.clock.now() - RECEIVED_ENVELOPE_RETENTION_MS)
      .catch((error: unknown) =>
        this.parts.logger.warn('pruning envelope ids failed', { error: describeError(error) }),
      );
    void pruneHeldActions(this.parts.db, this.parts.clock.now()).catch((error: unknown) =>
      this.parts.logger.warn('pruning held actions failed', { error: describeError(error) }),
    );
  }

  /** Orderly stop: waits for work in progress (bounded), then closes the database. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.#stopped) return;
    this.#halt();
    const settle = Promise.allSettled([
      this.connection.stop(),
      this.pipeline.idle().then(() => Promise.all([this.sessionRepair.idle(), this.senderKeyRepair.idle()])),
      this.outbox.stop(),
    ]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([settle, grace]);
    clearTimeout(timer);
    this.parts.db.close();
  }

  /** Drops everything at once, as a crash would: nothing in flight is awaited. */
  abandon(): void {
    if (this.#stopped) return;
    this.#halt();
    void this.connection.stop();
    void this.outbox.stop();
    this.parts.db.close();
  }

  #halt(): void {
    this.#stopped = true;
    this.expiry.stop();
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.pipeline.stop();
    this.certificates.stop();
    this.prekeys.stop();
    this.accessKeys.stop();
    this.typingTracker.stop();
    this.queuedCount.stop();
  }

  /**
   * The device was taken over: the connection closes for good, and the
   * outbox, the receive path (so no ack), key upkeep and typing stop. What
   * reads the local history stays. Recorded in the database, so a restart
   * starts taken over; the UI hears it through the connection status.
   */
  #retire(): void {
    if (this.#stopped) return;
    this.parts.logger.warn('another install registered this identity: this copy no longer sends or receives', {
      relay: this.parts.relayUrl,
    });
    void this.connection.retire();
    void this.outbox.stop();
    this.accessKeys.stop();
    this.pipeline.stop();
    this.certificates.stop();
    this.prekeys.stop();
    this.typingTracker.stop();
    this.#publishStatus();
    void recordTakenOver(this.parts.db, this.parts.clock.now()).catch((error: unknown) =>
      this.parts.logger.error('could not record the takeover', { error: describeError(error) }),
    );
  }

  /** A relay forged a contact's key outside the receive path (a bundle, when sending): notice it and tell the UI. */
  async recordForgery(forgery: Forgery): Promise<void> {
    return recordRelayForgery(this.parts, forgery);
  }

  #connected(): void {
    this.pipeline.connectionStarted();
    void this.certificates
      .ensure()
      .catch(() => {
        // Logged inside; sends that need it will ask again.
      })
      .then(() => this.outbox.kick());
    void this.prekeys.checkRotation();
    this.accessKeys.ensureRegistered();
  }

  #publishStatus(): void {
    if (this.#stopped) return;
    const status: ConnectionStatus = {
      state: this.#takeover.tripped ? 'taken-over' : this.connection.state.value,
      queuedMessages: this.queuedCount.count.value,
      drained: this.pipeline.drained.value,
      unreachableRelays: this.reachability.unreachable.value,
      ...(this.#refusedRelays.size === 0 ? {} : { refusedRelays: [...this.#refusedRelays] }),
    };
    this.parts.status.set(status);
  }

  /** Refuses what would act for the identity once another install holds it. */
  assertNotTakenOver(what: string): void {
    if (this.takenOver) {
      throw new EngineError(EngineErrorCode.TakenOver, `${what}: another install registered this identity`);
    }
  }

  /** What accepting, deleting and blocking requests work with (message-requests.ts). */
  get requestContext(): RequestContext {
    return {
      db: this.parts.db,
      accessKeys: this.accessKeys,
      now: () => this.parts.clock.now(),
      readReceipts: () => this.parts.privacy.value.readReceipts && !this.takenOver,
    };
  }

  /**
   * Queues a text and wakes the outbox. Nothing goes to a blocked account;
   * replying to a message request accepts it (our profile goes first).
   */
  async sendText(
    conversationId: string,
    body: string,
    replyTo?: string,
    mentions: readonly MentionRecord[] = [],
  ): Promise<MessageRecord> {
    this.assertNotTakenOver('sending');
    const quote = replyTo === undefined ? null : await this.actions.quoteOf(conversationId, replyTo);
    const conversation = await this.parts.db.conversations.get(conversationId);
    const contact = conversation?.kind === 'direct' ? await this.parts.db.contacts.get(conversation.peerId) : undefined;
    if (isBlocked(contact)) throw new EngineError(EngineErrorCode.Blocked, 'this account is blocked');
    if (contact !== undefined && isRequest(contact)) {
      // A text that cannot be sent accepts nothing.
      checkBody(body);
      await acceptRequest(this.requestContext, contact.accountId);
    }
    const message = await this.composer.sendText(conversationId, body, quote, mentions);
    this.typingNotifier.messageSent(conversationId);
    this.queuedCount.refresh();
    this.outbox.kick();
    if ((message.expiresAt ?? null) !== null) this.expiry.kick();
    return message;
  }

  /** A reaction, edit, delete or timer change was stored (and queued): tell the UI, send it. */
  async act<T extends { readonly conversationId: string; readonly id: string } | null>(
    what: string,
    action: () => Promise<T>,
  ): Promise<T> {
    this.assertNotTakenOver(what);
    const changed = await action();
    if (changed !== null) {
      this.parts.events.emit('message-changed', { conversationId: changed.conversationId, messageId: changed.id });
    }
    this.outbox.kick();
    return changed;
  }

  /** Queues a failed message again and wakes the outbox. */
  async retry(messageId: string): Promise<MessageRecord> {
    this.assertNotTakenOver('sending');
    const message = await this.composer.retry(messageId);
    this.queuedCount.refresh();
    this.outbox.kick();
    return message;
  }

  /**
   * Marks what the user saw read (through `through`); read receipts, when on,
   * go out with the outbox (none once taken over).
   */
  async markRead(conversationId: string, through?: string): Promise<MarkReadResult> {
    const receipts = this.parts.privacy.value.readReceipts && !this.takenOver;
    const result = await this.readReceipts.markRead(conversationId, { through, receipts });
    if (result.receiptsQueued > 0) this.outbox.kick();
    if (result.timersStarted > 0) this.expiry.kick();
    return result;
  }
}
