/**
 * The client engine's public face: what the Svelte UI calls and listens to.
 * It holds no UI code and runs on browser APIs only (fetch, WebCrypto,
 * socket.io-client, IndexedDB through Dexie), so Node tests run it as is.
 *
 * Lifecycle: `createAccount` (first run: identity, registration, start) or
 * `start` (an unlocked profile that registered before); `stop` to end. While
 * stopped, `connection` reads offline and calls that need the engine throw
 * NOT_STARTED. A vault that locks stops the engine and emits `locked`.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type { SafetyNumber } from '../../common/vault-api.js';
import { ensureAccessKeys, ownContactCode } from './access-keys.js';
import {
  type BackupExportRequest,
  type BackupExportResult,
  exportBackup,
  exportReadable,
  type ReadableExportRequest,
} from './backup/backup-export.js';
import { MonotonicClock, systemClock } from './clock.js';
import { type ConnectionStatus, OFFLINE_STATUS, sameStatus } from './connection-status.js';
import type { AddedContact } from './contacts.js';
import type { EngineDatabase } from './database.js';
import { ProfileLifecycle } from './engine-lifecycle.js';
import type { AccountSummary, CreateAccountRequest, EngineOptions, RegistrationOptions } from './engine-options.js';
import { describeError, EngineError, EngineErrorCode } from './errors.js';
import type { EngineEvents } from './events.js';
import type { GroupAvatar } from './groups/group-avatar.js';
import type { GroupControl, NewGroup } from './groups/group-control.js';
import { type EngineLogger, silentLogger } from './logger.js';
import { acceptRequest, type BlockResult, blockContact, deleteRequest, unblockContact } from './message-requests.js';
import { type MuteDuration, muteUntil } from './mute.js';
import { EventHub, Observable, type Readable, type Unsubscribe } from './observable.js';
import { resetContactCode } from './own-contact-code.js';
import { readOwnProfile, setOwnProfile } from './own-profile.js';
import type { PrivacySettings } from './privacy-settings.js';
import type { EngineQueries } from './queries.js';
import type { MarkReadResult } from './read-receipts.js';
import type { MessageRecord, OwnProfile } from './records.js';
import type { EngineRuntime } from './runtime.js';
import type { TypingState } from './typing.js';
import { VaultGateway } from './vault-calls.js';
import { vaultFailureError } from './vault-errors-map.js';

export type {
  AccountSummary,
  CreateAccountRequest,
  EngineOptions,
  RegistrationOptions,
} from './engine-options.js';

export class Engine {
  readonly #vault: VaultGateway;
  readonly #logger: EngineLogger;
  readonly #clock: MonotonicClock;
  readonly #now = (): number => this.#clock.now();
  readonly #events: EventHub<EngineEvents>;
  readonly #status = new Observable<ConnectionStatus>(OFFLINE_STATUS, sameStatus);
  readonly #typing = new Observable<TypingState>(new Map());
  /** Which profile runs, and its runtime (engine-lifecycle.ts). */
  readonly #lifecycle: ProfileLifecycle;

  constructor(options: EngineOptions) {
    this.#vault = new VaultGateway(options.vault);
    this.#logger = options.logger ?? silentLogger;
    this.#clock = new MonotonicClock(options.clock ?? systemClock);
    this.#events = new EventHub((error) =>
      this.#logger.error('an engine event listener threw', { error: describeError(error) }),
    );
    this.#status.subscribe((status) => this.#events.emit('connection', status));
    this.#lifecycle = new ProfileLifecycle({
      options,
      vault: this.#vault,
      logger: this.#logger,
      clock: this.#clock,
      events: this.#events,
      status: this.#status,
      typing: this.#typing,
    });
  }

  /** Online / connecting / offline, with the number of queued messages (a Svelte store). */
  get connection(): Readable<ConnectionStatus> {
    return this.#status;
  }

  /** Who is typing in which conversation (a Svelte store). */
  get typing(): Readable<TypingState> {
    return this.#typing;
  }

  get running(): boolean {
    return this.#lifecycle.runtime !== null;
  }

  /** This device's account, relay and contact code, once started. */
  get account(): AccountSummary | null {
    return this.#lifecycle.summary;
  }

  /** Reads for the UI (wrap them in liveQuery). */
  get queries(): EngineQueries {
    return this.#require().queries;
  }

  /** Read receipts and typing indicators on or off (a Svelte store; `update` stores a change). */
  get privacy(): PrivacySettings {
    return this.#require().privacy;
  }

  /** The database (for liveQuery over custom reads, and for tests). */
  get database(): EngineDatabase {
    return this.#lifecycle.database;
  }

  on<E extends keyof EngineEvents>(event: E, listener: (payload: EngineEvents[E]) => void): Unsubscribe {
    return this.#events.on(event, listener);
  }

  /** First run: creates the identity in the vault, registers with the relay and starts. */
  async createAccount(request: CreateAccountRequest): Promise<AccountSummary> {
    return this.#lifecycle.createAccount(request);
  }

  /**
   * Registers this (unlocked) identity with a home relay and starts. Also the
   * way to finish onboarding when createAccount's registration failed (the
   * identity exists, the relay was unreachable). A relay that admits new
   * accounts only by invite needs `options.inviteCode` (INVITE_REQUIRED,
   * INVITE_INVALID otherwise); REGISTRATION_CLOSED when it admits none.
   */
  async register(relayUrlInput: string, options: RegistrationOptions = {}): Promise<AccountSummary> {
    return this.#lifecycle.register(relayUrlInput, options);
  }

  /** Starts an unlocked profile that registered before. */
  async start(): Promise<AccountSummary> {
    return this.#lifecycle.start();
  }

  /** Stops: closes the connection, lets work in progress finish (bounded), closes the database. */
  async stop(): Promise<void> {
    return this.#lifecycle.stop();
  }

  /**
   * Delete account (account-deletion.ts): the relay erases the account and
   * its queued messages, the vault erases the identity and its files, then
   * this profile's local database goes. The engine is stopped afterwards and
   * the vault has no identity. On failure, the relay step changed nothing;
   * a later step's failure leaves what is left to a retry, which finishes it.
   * A copy another install took over removes only itself: the account on the
   * relay is the other install's now (and the relay would refuse anyway).
   */
  async deleteAccount(): Promise<void> {
    return this.#lifecycle.deleteAccount();
  }

  /**
   * Deletes the local databases an interrupted Delete account left behind
   * (leftover-databases.ts), when the vault has no identity; answers their
   * names. The app calls it on every start that finds no identity.
   */
  async deleteLeftoverDatabases(): Promise<string[]> {
    return this.#lifecycle.deleteLeftoverDatabases();
  }

  /**
   * Drops the engine as a crash would (nothing in flight is awaited or
   * finished). For tests that prove nothing is lost when the renderer dies.
   */
  abandon(): void {
    this.#lifecycle.abandon();
  }

  /** Resolves once the relay's queue (as of connecting) has been received and stored. */
  async whenDrained(): Promise<void> {
    const runtime = this.#require();
    return new Promise((resolve) => {
      const unsubscribe = runtime.pipeline.drained.subscribe((drained) => {
        if (!drained) return;
        queueMicrotask(() => unsubscribe());
        resolve();
      });
    });
  }

  /** Try to connect now (e.g. the OS reports the network is back). */
  reconnectNow(): void {
    this.#lifecycle.runtime?.connection.reconnectNow();
  }

  /** This account's contact code for the home relay, with the current code key. */
  async contactCode(): Promise<string> {
    const runtime = this.#require();
    const keys = await ensureAccessKeys(this.database, this.#now);
    return ownContactCode(this.#accountId(), runtime.connection.relayUrl, keys);
  }

  /**
   * "Reset contact code": a new code key, registered with the relay before it
   * replaces the old one (a failure throws and the old code keeps working).
   * People holding the old code who never wrote can no longer reach this
   * account; contacts hold the contact key and are not affected. Answers the
   * new code (also in `account.contactCode`).
   */
  async resetContactCode(): Promise<string> {
    const code = await resetContactCode(this.#require(), () => this.#accountId());
    this.#lifecycle.contactCodeChanged(code);
    return code;
  }

  /** Adds a contact from their code: checks their keys, starts sessions, opens the conversation, sends our profile. */
  async addContact(contactCode: string, displayName?: string): Promise<AddedContact> {
    const runtime = this.#require();
    runtime.assertNotTakenOver('adding a contact');
    const added = await runtime.contacts.add(contactCode, displayName);
    runtime.outbox.kick();
    return added;
  }

  /** Accepts a message request: a contact now; our profile goes to them, and read receipts when on. */
  async acceptRequest(accountId: AccountId): Promise<void> {
    const runtime = this.#require();
    await acceptRequest(runtime.requestContext, accountId);
    runtime.outbox.kick();
  }

  /** Deletes a message request (contact, conversation, messages); a later message from them is a new request. */
  async deleteRequest(accountId: AccountId): Promise<void> {
    const runtime = this.#require();
    await deleteRequest(runtime.requestContext, accountId);
    runtime.queuedCount.refresh();
  }

  /**
   * Blocks a request or a contact (message-requests.ts): their messages are
   * dropped and nothing goes to them; our contact key (and, when they wrote
   * first, our contact code) is replaced on the relay and the new key sent to
   * every remaining contact. A relay failure throws after the block is
   * recorded here; blocking again retries the key change.
   */
  async block(accountId: AccountId): Promise<BlockResult> {
    const runtime = this.#require();
    runtime.assertNotTakenOver('blocking');
    try {
      return await blockContact(runtime.requestContext, accountId);
    } finally {
      runtime.queuedCount.refresh();
      runtime.outbox.kick();
      const code = await this.contactCode().catch(() => null);
      if (code !== null) this.#lifecycle.contactCodeChanged(code);
    }
  }

  /** Lets a blocked account in again (an accepted contact gets our profile again). */
  async unblock(accountId: AccountId): Promise<void> {
    const runtime = this.#require();
    await unblockContact(runtime.requestContext, accountId);
    runtime.outbox.kick();
  }

  /** Our display name and avatar, as sent in profiles. */
  async ownProfile(): Promise<OwnProfile> {
    this.#require();
    return readOwnProfile(this.database);
  }

  /** Stores a new display name and avatar; when changed, our profile goes to every accepted contact. */
  async setOwnProfile(profile: OwnProfile): Promise<void> {
    const runtime = this.#require();
    if (await setOwnProfile(this.database, profile, this.#now())) runtime.outbox.kick();
  }

  async renameContact(accountId: AccountId, displayName: string): Promise<void> {
    return this.#require().contacts.rename(accountId, displayName);
  }

  async setVerified(accountId: AccountId, verified: boolean): Promise<void> {
    return this.#require().contacts.setVerified(accountId, verified);
  }

  async safetyNumber(accountId: AccountId): Promise<SafetyNumber> {
    this.#require();
    try {
      return await this.#vault.call('getSafetyNumber', { accountId });
    } catch (error) {
      throw vaultFailureError(error);
    }
  }

  /**
   * Stores and queues a text: `(conversationId, body, replyTo?, mentions?)`,
   * a reply when `replyTo` names a message, and in a group with `mentions`
   * (ranges of the body, docs/protocol.md §6); returns the stored message
   * (state 'sending').
   */
  async sendText(...text: Parameters<EngineRuntime['sendText']>): Promise<MessageRecord> {
    return this.#require().sendText(...text);
  }

  /** Sets or changes our reaction to a message (`emoji`), or removes it (null); direct conversations. */
  async react(messageId: string, emoji: string | null): Promise<MessageRecord> {
    const runtime = this.#require();
    return runtime.act('reacting', () => runtime.actions.react(messageId, emoji));
  }

  /** New text for our own message, within the edit window (docs/protocol.md §6); direct conversations. */
  async editMessage(messageId: string, body: string): Promise<MessageRecord> {
    const runtime = this.#require();
    return runtime.act('editing', () => runtime.actions.edit(messageId, body));
  }

  /** Deletes our own message for everyone, within the window: a tombstone on both sides; direct conversations. */
  async deleteForEveryone(messageId: string): Promise<MessageRecord> {
    const runtime = this.#require();
    return runtime.act('deleting', () => runtime.actions.deleteForEveryone(messageId));
  }

  /** Removes a message from this device only. */
  async deleteForMe(messageId: string): Promise<void> {
    const runtime = this.#require();
    await runtime.act('deleting', () => runtime.actions.deleteForMe(messageId));
  }

  /** The conversation's disappearing-message timer in seconds (0: off), for both sides; direct conversations. */
  async setExpireTimer(conversationId: string, seconds: number): Promise<void> {
    const runtime = this.#require();
    await runtime.act('changing the timer', () => runtime.actions.setExpireTimer(conversationId, seconds));
  }

  /** A new group of accepted contacts (they are invited); answers its conversation `group:<id>`. */
  async createGroup(group: NewGroup): Promise<{ conversationId: string; groupId: string }> {
    return this.#groups().createGroup(group);
  }

  async inviteToGroup(groupId: string, accountIds: readonly AccountId[]): Promise<void> {
    return this.#groups().invite(groupId, accountIds);
  }

  async acceptGroupInvite(groupId: string): Promise<void> {
    return this.#groups().accept(groupId);
  }

  async declineGroupInvite(groupId: string): Promise<void> {
    return this.#groups().decline(groupId);
  }

  async renameGroup(groupId: string, name: string): Promise<void> {
    return this.#groups().rename(groupId, name);
  }

  async describeGroup(groupId: string, description: string): Promise<void> {
    return this.#groups().describe(groupId, description);
  }

  /** The group photo (a PNG, JPEG or WebP of at most MAX_GROUP_AVATAR_BYTES), or null to remove it; any joined member. */
  async setGroupAvatar(groupId: string, avatar: GroupAvatar | null): Promise<void> {
    return this.#groups().setAvatar(groupId, avatar);
  }

  async leaveGroup(groupId: string): Promise<void> {
    return this.#groups().leave(groupId);
  }

  async removeFromGroup(groupId: string, accountIds: readonly AccountId[]): Promise<void> {
    return this.#groups().remove(groupId, accountIds);
  }

  async promoteInGroup(groupId: string, accountIds: readonly AccountId[]): Promise<void> {
    return this.#groups().promote(groupId, accountIds);
  }

  #groups(): GroupControl {
    const runtime = this.#require();
    runtime.assertNotTakenOver('changing a group');
    return runtime.groups;
  }

  /** Queues a failed message again. */
  async retry(messageId: string): Promise<MessageRecord> {
    return this.#require().retry(messageId);
  }

  /**
   * Marks what the user saw read: the unread messages at or before the
   * position `through` (the newest one the view showed; default all), with read
   * receipts unless the user turned them off.
   */
  async markRead(conversationId: string, through?: string): Promise<MarkReadResult> {
    return this.#require().markRead(conversationId, through);
  }

  /**
   * Mutes a conversation (direct or group) for 1 hour, 8 hours, a week or
   * until unmuted (mute.ts): no notifications, left out of the unread total.
   * Local only; kept on the conversation row. Answers when it ends.
   */
  async mute(conversationId: string, duration: MuteDuration): Promise<number> {
    this.#require();
    const mutedUntil = muteUntil(duration, this.#now());
    await this.#setMutedUntil(conversationId, mutedUntil);
    return mutedUntil;
  }

  /** Ends a conversation's mute. */
  async unmute(conversationId: string): Promise<void> {
    this.#require();
    await this.#setMutedUntil(conversationId, null);
  }

  async #setMutedUntil(conversationId: string, mutedUntil: number | null): Promise<void> {
    const updated = await this.database.conversations.update(conversationId, { mutedUntil });
    if (updated === 0) throw new EngineError(EngineErrorCode.UnknownConversation, 'no such conversation');
  }

  /** The user is (or stopped) typing in a conversation; throttled, best effort (nothing once taken over). */
  async setTyping(conversationId: string, typing: boolean): Promise<void> {
    const runtime = this.#require();
    if (runtime.takenOver) return;
    return runtime.typingNotifier.setTyping(conversationId, typing);
  }

  /** Writes an encrypted backup of this profile (engine/backup/): history from here, identity and sealing in the vault. */
  async exportBackup(request: BackupExportRequest): Promise<BackupExportResult> {
    this.#require();
    return exportBackup(this.#vault, this.database, request);
  }

  /** Writes the opt-in readable copy (HTML + JSON, no keys) of everything or one conversation. */
  async exportReadable(request: ReadableExportRequest = {}): Promise<BackupExportResult> {
    this.#require();
    return exportReadable(this.#vault, this.database, request);
  }

  /** Resolves when the receive path and the outbox have nothing in progress (for tests). */
  async whenIdle(): Promise<void> {
    const runtime = this.#require();
    await runtime.pipeline.idle();
    await runtime.sessionRepair.idle();
    await runtime.senderKeyRepair.idle();
    await runtime.outbox.idle();
    await runtime.accessKeys.idle();
  }

  #accountId(): AccountId {
    return this.#lifecycle.accountId();
  }

  #require(): EngineRuntime {
    return this.#lifecycle.require();
  }
}
