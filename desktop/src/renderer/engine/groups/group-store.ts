/**
 * A group's change set in IndexedDB (docs/protocol.md §10, The change set):
 * the verified signed changes per group (`groupChanges`) and the fold of
 * them (`groups.state`), updated together in one transaction per merge.
 *
 * Signatures are checked by the vault, never here (the renderer has no
 * libsignal): received changes in its decrypt path, ours when it signs them.
 * So the set is rebuilt from changes that were verified before they were
 * stored, and `vouchedBy` lets crypto-core's `verifyGroupChange` (which
 * still checks each body's schema, author key and create commitment) accept
 * exactly the signatures of those changes and no other.
 */
import { fromBase64, toBase64 } from '@parley/crypto-core/encoding';
import {
  foldGroup,
  GroupChangeSet,
  type GroupFold,
  type SignatureCheck,
  type VerifiedGroupChange,
} from '@parley/crypto-core/group';
import type { AccountId } from '@parley/crypto-core/wire';
import type { EngineDatabase } from '../database.js';
import type { GroupChangeRecord, GroupMembership, GroupRecord } from '../records.js';

/** A signed change as the vault hands it over and the wire carries it (base64). */
export interface SignedChangeWire {
  readonly body: string;
  readonly signature: string;
}

/** "Parley group change v1" || 0x00 (docs/protocol.md §10, Signed changes): what precedes the body in a signed message. */
const SIGNING_PREFIX_LENGTH = 'Parley group change v1'.length + 1;

/** A check that accepts only the signatures of `changes` (each already verified by the vault). */
export function vouchedBy(changes: readonly SignedChangeWire[]): SignatureCheck {
  const vouched = new Set(changes.map((change) => `${change.signature}.${change.body}`));
  return (_key, message, signature) => {
    // The message is the signing prefix and then the body.
    return vouched.has(`${toBase64(signature)}.${toBase64(message.subarray(SIGNING_PREFIX_LENGTH))}`);
  };
}

function toSigned(change: SignedChangeWire) {
  return { body: fromBase64(change.body), signature: fromBase64(change.signature) };
}

function rowOf(groupId: string, change: VerifiedGroupChange): GroupChangeRecord {
  return {
    id: `${groupId}:${change.body.id}`,
    groupId,
    changeId: change.body.id,
    body: toBase64(change.signed.body),
    signature: toBase64(change.signed.signature),
  };
}

/** Where `self` stands in a fold. */
export function membershipIn(fold: GroupFold, self: AccountId): GroupMembership {
  const state = fold.state;
  if (state === null) return 'none';
  const member = state.members.find((entry) => entry.accountId === self);
  if (member !== undefined) return member.status;
  return state.formerMembers.some((entry) => entry.accountId === self) ? 'former' : 'none';
}

/**
 * Whether a member joined in `before` is no joined member in `after` (an
 * applied leave or remove; docs/protocol.md §10, Sender keys). An invited
 * member never held our key: removing one changes nothing.
 */
export function joinedMemberLeft(before: GroupFold, after: GroupFold): boolean {
  const joined = (fold: GroupFold) =>
    new Set(fold.state?.members.filter((m) => m.status === 'joined').map((m) => m.accountId));
  const now = joined(after);
  return [...joined(before)].some((accountId) => !now.has(accountId));
}

/** What one merge did. */
export interface GroupMerge {
  readonly set: GroupChangeSet;
  readonly before: GroupFold;
  readonly after: GroupFold;
  readonly added: readonly VerifiedGroupChange[];
  /** Changes the set refused (another body under a known id, a limit), each with its code. */
  readonly refused: readonly { readonly index: number; readonly code: string }[];
  readonly record: GroupRecord;
}

export class GroupStore {
  readonly #db: EngineDatabase;
  readonly #self: AccountId;
  readonly #now: () => number;

  constructor(db: EngineDatabase, self: AccountId, now: () => number = Date.now) {
    this.#db = db;
    this.#self = self;
    this.#now = now;
  }

  /** The group's set as stored (empty for an unknown group). Call inside a transaction over groupChanges. */
  async loadSet(groupId: string): Promise<GroupChangeSet> {
    const rows = await this.#db.groupChanges.where('groupId').equals(groupId).toArray();
    const set = new GroupChangeSet(groupId);
    const result = set.merge(rows.map(toSigned), vouchedBy(rows));
    if (result.refused.length > 0) {
      // A stored change that no longer parses is damage, not something to fold around.
      throw result.refused[0]?.error;
    }
    return set;
  }

  /**
   * A group a backup brought back (backup-restore.ts), its changes already
   * stored: folded again from them, with no sender key of ours yet (the
   * restored vault holds no chain: the next text makes one and distributes
   * it).
   */
  async restore(groupId: string, invitedBy: AccountId | null, updatedAt: number): Promise<void> {
    const db = this.#db;
    await db.dexie.transaction('rw', db.groups, db.groupChanges, async () => {
      const fold = foldGroup(await this.loadSet(groupId));
      await db.groups.put({
        groupId,
        state: fold.state,
        membership: membershipIn(fold, this.#self),
        distributionId: null,
        distributedTo: [],
        invitedBy,
        updatedAt,
      });
    });
  }

  /**
   * Merges changes the vault verified (or that we signed) into the group's
   * set and stores the new fold, in one transaction. `invitedBy`: who sent
   * them, remembered the first time the group becomes known.
   */
  async merge(groupId: string, changes: readonly SignedChangeWire[], sender: AccountId | null): Promise<GroupMerge> {
    const db = this.#db;
    return db.dexie.transaction('rw', db.groups, db.groupChanges, async () => {
      const set = await this.loadSet(groupId);
      const before = foldGroup(set);
      const merged = set.merge(changes.map(toSigned), vouchedBy(changes));
      const after = merged.added.length > 0 ? foldGroup(set) : before;
      if (merged.added.length > 0) await db.groupChanges.bulkPut(merged.added.map((change) => rowOf(groupId, change)));
      const stored = await db.groups.get(groupId);
      // A joined member left or was removed: our next message goes under a new sender key, to the others only.
      const rotate = joinedMemberLeft(before, after);
      const record: GroupRecord = {
        groupId,
        state: after.state,
        membership: membershipIn(after, this.#self),
        distributionId: rotate ? null : (stored?.distributionId ?? null),
        distributedTo: rotate ? [] : (stored?.distributedTo ?? []),
        invitedBy: stored?.invitedBy ?? (sender === this.#self ? null : sender),
        updatedAt: this.#now(),
      };
      await db.groups.put(record);
      return {
        set,
        before,
        after,
        added: merged.added,
        refused: merged.refused.map(({ index, error }) => ({ index, code: error.code })),
        record,
      };
    });
  }
}
