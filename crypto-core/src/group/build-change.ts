/**
 * Making a change (docs/protocol.md §10, Making a change): the body bytes a
 * member's identity key then signs. The builder refuses what the fold would
 * skip, with a clear code (GROUP_CHANGE_NOT_ALLOWED, GROUP_LIMIT), and what
 * the fold would half-skip (an invite of someone already a member), so a
 * client never sends a change that does nothing or less than its user asked.
 * Browser-safe: signing is the identity holder's (`signGroupChange`).
 */
import type { AccountId } from '../address/account-id.js';
import { type Bytes, toBase64, utf8 } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';
import { GROUP_CHANGE_VERSION, type GroupAction, type GroupChangeBody, type MemberRefWire } from './change-schema.js';
import type { GroupChangeSet } from './change-set.js';
import { replayGroup } from './fold.js';
import { groupIdFor } from './group-id.js';
import { MAX_GROUP_CHANGE_BODY_BYTES, MAX_GROUP_MEMBERS } from './limits.js';
import { ineffectiveEntries, skipReason, type WorkingGroup } from './rules.js';
import { checkedGroupChangeBody } from './signed-change.js';
import type { GroupSkipReason } from './state.js';

/** Who makes the change: the account and its identity public key (33 bytes). */
export interface GroupChangeAuthor {
  readonly accountId: AccountId;
  readonly identityKey: Uint8Array;
}

export interface GroupChangeOptions {
  /** The change id; a fresh random UUID v4 by default. */
  readonly id?: string;
  /** Milliseconds since the epoch; now by default. */
  readonly sentAt?: number;
}

export type GroupCreateFields = Omit<Extract<GroupAction, { action: 'create' }>, 'action'>;

/**
 * Room a create or invite body needs besides its member list: the common
 * keys, and a create's name, description (up to 1,440 bytes of UTF-8) and
 * the creator's profile (a relay URL of up to 2,048). Not an avatar: a create
 * with one and a long member list can pass MAX_GROUP_CHANGE_BODY_BYTES, so
 * set the avatar in a change of its own.
 */
const BODY_ROOM_BESIDE_MEMBERS = 8 * 1024;

/**
 * People to invite, cut into lists that each fit one create or invite body
 * (a large group is founded with one create and then one invite per further
 * list, each made after the one before is in the set).
 */
export function batchInvitees(refs: readonly MemberRefWire[]): MemberRefWire[][] {
  const budget = MAX_GROUP_CHANGE_BODY_BYTES - BODY_ROOM_BESIDE_MEMBERS;
  const batches: MemberRefWire[][] = [];
  let batch: MemberRefWire[] = [];
  let size = 0;
  for (const ref of refs) {
    const length = utf8(JSON.stringify(ref)).byteLength + 1;
    if (batch.length > 0 && (size + length > budget || batch.length === MAX_GROUP_MEMBERS - 1)) {
      batches.push(batch);
      batch = [];
      size = 0;
    }
    batch.push(ref);
    size += length;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

const LIMIT_REASONS: ReadonlySet<GroupSkipReason> = new Set(['member-limit', 'history-full']);

function refuse(reason: GroupSkipReason, body: GroupChangeBody): never {
  const code = LIMIT_REASONS.has(reason) ? CryptoErrorCode.GroupLimit : CryptoErrorCode.GroupChangeNotAllowed;
  throw invalidInput(code, `${body.action} refused: ${reason}`, { reason, action: body.action, id: body.id });
}

function build(
  group: WorkingGroup | null,
  groupId: string,
  author: GroupChangeAuthor,
  action: GroupAction,
  options: GroupChangeOptions,
): Bytes {
  const checked = checkedGroupChangeBody({
    ...action,
    v: GROUP_CHANGE_VERSION,
    groupId,
    id: options.id ?? crypto.randomUUID(),
    clock: (group?.clock ?? 0) + 1,
    author: author.accountId,
    authorKey: toBase64(author.identityKey),
    sentAt: options.sentAt ?? Date.now(),
  } as GroupChangeBody);
  const reason = skipReason(group, checked.body, checked.bytes.byteLength);
  if (reason !== null) refuse(reason, checked.body);
  if (group !== null) {
    const unchanged = ineffectiveEntries(group, checked.body);
    if (unchanged.length > 0) {
      throw invalidInput(
        CryptoErrorCode.GroupChangeNotAllowed,
        `${checked.body.action} refused: it would change nothing for ${unchanged.join(', ')}`,
        { action: checked.body.action, accounts: unchanged },
      );
    }
  }
  return checked.bytes;
}

/**
 * The body of a new group's create (clock 1). The group id is derived from
 * the author's key and the create's id (groupIdFor).
 */
export function prepareGroupCreate(
  author: GroupChangeAuthor,
  fields: GroupCreateFields,
  options: GroupChangeOptions = {},
): { readonly groupId: string; readonly body: Bytes } {
  const id = options.id ?? crypto.randomUUID();
  const groupId = groupIdFor(author.identityKey, id);
  return { groupId, body: build(null, groupId, author, { action: 'create', ...fields }, { ...options, id }) };
}

/**
 * The body of a change to the group `set` holds, at this member's next
 * clock, after checking it against the group as the set folds now.
 */
export function prepareGroupChange(
  set: GroupChangeSet,
  author: GroupChangeAuthor,
  action: Exclude<GroupAction, { action: 'create' }>,
  options: GroupChangeOptions = {},
): Bytes {
  return build(replayGroup(set).group, set.groupId, author, action, options);
}
