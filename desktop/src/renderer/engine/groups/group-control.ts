/**
 * Making group changes (docs/protocol.md §10): each action builds its
 * change body with crypto-core against our own fold (which refuses what the
 * fold would skip: GROUP_CHANGE_NOT_ALLOWED, GROUP_LIMIT), has the vault
 * sign it (only a body naming our key), then in one transaction merges it,
 * writes the timeline and queues the change to whoever must hear of it
 * (group-outbox.ts).
 */
import { fromBase64, toBase64 } from '@parley/crypto-core/encoding';
import { CryptoErrorCode, ParleyCryptoError } from '@parley/crypto-core/errors';
import {
  type GroupAction,
  type GroupChangeAuthor,
  type GroupChangeSet,
  type MemberProfileWire,
  type MemberRefWire,
  prepareGroupChange,
  prepareGroupCreate,
} from '@parley/crypto-core/group';
import type { AccountId } from '@parley/crypto-core/wire';
import type { Clock } from '../clock.js';
import { isAcceptedContact } from '../contact-access.js';
import { groupConversationId } from '../conversation-ids.js';
import type { EngineDatabase } from '../database.js';
import { EngineError, EngineErrorCode } from '../errors.js';
import { ownProfileContent } from '../own-profile.js';
import type { VaultGateway } from '../vault-calls.js';
import { vaultFailureError } from '../vault-errors-map.js';
import { checkGroupAvatar, type GroupAvatar } from './group-avatar.js';
import { queueOwnChange } from './group-outbox.js';
import { GroupStore } from './group-store.js';
import { recordGroupMerge } from './group-timeline.js';

export interface NewGroup {
  readonly name: string;
  /** Account ids of accepted contacts. */
  readonly members: readonly AccountId[];
  readonly description?: string;
}

type ChangeAction = Exclude<GroupAction, { action: 'create' }>;

/** "group:<id>" -> the group id. */
export function groupIdOf(conversationId: string): string {
  if (!conversationId.startsWith('group:')) {
    throw new EngineError(EngineErrorCode.UnknownGroup, 'not a group conversation');
  }
  return conversationId.slice('group:'.length);
}

function groupError(error: unknown): unknown {
  if (ParleyCryptoError.is(error, CryptoErrorCode.GroupChangeNotAllowed)) {
    return new EngineError(EngineErrorCode.GroupChangeNotAllowed, error.message, error);
  }
  if (ParleyCryptoError.is(error, CryptoErrorCode.GroupLimit)) {
    return new EngineError(EngineErrorCode.GroupLimit, error.message, error);
  }
  return error;
}

export class GroupControl {
  readonly store: GroupStore;
  #author: GroupChangeAuthor | null = null;

  constructor(
    private readonly db: EngineDatabase,
    private readonly vault: VaultGateway,
    private readonly context: {
      readonly ownAccountId: AccountId;
      readonly homeRelayUrl: string;
      readonly clock: Clock;
      /** The outbox has work. */
      readonly queued: () => void;
    },
  ) {
    this.store = new GroupStore(db, context.ownAccountId, () => context.clock.now());
  }

  async createGroup(group: NewGroup): Promise<{ conversationId: string; groupId: string }> {
    const members = await this.#invitees(group.members);
    const author = await this.#ownAuthor();
    let prepared: { groupId: string; body: Uint8Array };
    try {
      prepared = prepareGroupCreate(author, {
        name: group.name,
        ...(group.description === undefined ? {} : { description: group.description }),
        profile: await this.#ownProfile(),
        members,
      });
    } catch (error) {
      throw groupError(error);
    }
    await this.#commit(prepared.groupId, prepared.body);
    return { conversationId: groupConversationId(prepared.groupId), groupId: prepared.groupId };
  }

  async invite(groupId: string, accountIds: readonly AccountId[]): Promise<void> {
    const members = await this.#invitees(accountIds);
    await this.#change(groupId, { action: 'invite', members });
  }

  async accept(groupId: string): Promise<void> {
    await this.#change(groupId, { action: 'accept', profile: await this.#ownProfile() });
  }

  decline(groupId: string): Promise<void> {
    return this.#change(groupId, { action: 'decline' });
  }

  rename(groupId: string, name: string): Promise<void> {
    return this.#change(groupId, { action: 'rename', name });
  }

  describe(groupId: string, description: string): Promise<void> {
    return this.#change(groupId, { action: 'describe', description });
  }

  /** A new group photo, or none (null); a picture members would refuse is refused first (INVALID_GROUP_AVATAR). */
  setAvatar(groupId: string, avatar: GroupAvatar | null): Promise<void> {
    return this.#change(groupId, { action: 'set-avatar', avatar: checkGroupAvatar(avatar) });
  }

  leave(groupId: string): Promise<void> {
    return this.#change(groupId, { action: 'leave' });
  }

  remove(groupId: string, accountIds: readonly AccountId[]): Promise<void> {
    return this.#change(groupId, { action: 'remove', members: [...accountIds] });
  }

  promote(groupId: string, accountIds: readonly AccountId[]): Promise<void> {
    return this.#change(groupId, { action: 'promote', members: [...accountIds] });
  }

  async #change(groupId: string, action: ChangeAction): Promise<void> {
    const set = await this.#set(groupId);
    let body: Uint8Array;
    try {
      body = prepareGroupChange(set, await this.#ownAuthor(), action, { sentAt: this.context.clock.now() });
    } catch (error) {
      throw groupError(error);
    }
    await this.#commit(groupId, body);
  }

  async #set(groupId: string): Promise<GroupChangeSet> {
    const set = await this.db.dexie.transaction('r', this.db.groupChanges, () => this.store.loadSet(groupId));
    if (set.size === 0) throw new EngineError(EngineErrorCode.UnknownGroup, 'no such group');
    return set;
  }

  /** Signed by the vault, then merged, shown and queued in one transaction. */
  async #commit(groupId: string, body: Uint8Array): Promise<void> {
    const wireBody = toBase64(body);
    let signature: string;
    try {
      ({ signature } = await this.vault.call('signGroupChange', { body: wireBody }));
    } catch (error) {
      throw vaultFailureError(error);
    }
    const { db } = this;
    const self = this.context.ownAccountId;
    const now = this.context.clock.now();
    const tables = [db.groups, db.groupChanges, db.outbox, db.conversations, db.messages, db.contacts];
    await db.dexie.transaction('rw', tables, async () => {
      const merge = await this.store.merge(groupId, [{ body: wireBody, signature }], self);
      if (merge.added.length === 0) throw new EngineError(EngineErrorCode.Internal, 'our own change was not merged');
      await recordGroupMerge(db, merge, self, now);
      await queueOwnChange(db, merge, self, now);
    });
    this.context.queued();
  }

  async #ownAuthor(): Promise<GroupChangeAuthor> {
    if (this.#author === null) {
      const { accountId, identityKey } = await this.vault.call('groupAuthor', {});
      this.#author = { accountId, identityKey: fromBase64(identityKey) };
    }
    return this.#author;
  }

  async #ownProfile(): Promise<MemberProfileWire> {
    const profile = await ownProfileContent(this.db, this.context.homeRelayUrl);
    if (profile === null || profile.type !== 'profile' || profile.relayUrl === undefined) {
      throw new EngineError(EngineErrorCode.NotRegistered, 'this account has no access keys yet');
    }
    return {
      relayUrl: profile.relayUrl,
      accessKey: profile.accessKey,
      ...(profile.name === undefined ? {} : { name: profile.name }),
    };
  }

  /** Accepted contacts as the group will know them: their relay, the key we hold for them and our name for them. */
  async #invitees(accountIds: readonly AccountId[]): Promise<MemberRefWire[]> {
    const refs: MemberRefWire[] = [];
    for (const accountId of new Set(accountIds)) {
      const contact = await this.db.contacts.get(accountId);
      if (!isAcceptedContact(contact) || (contact.accessKey ?? null) === null) {
        throw new EngineError(
          EngineErrorCode.GroupChangeNotAllowed,
          'only accepted contacts we can reach can be invited',
        );
      }
      const name = contact.displayName ?? contact.profileName ?? null;
      refs.push({
        accountId,
        relayUrl: contact.relayUrl,
        accessKey: contact.accessKey as string,
        ...(name === null ? {} : { name: name.slice(0, 100) }),
      });
    }
    return refs;
  }
}
