/**
 * Moving changes between members (docs/protocol.md §10, Sending changes and
 * Anti-entropy): group messages cut to fit the content limit, whom a change
 * goes to, and what a receiver sends back when the sender's set differs from
 * its own. Browser-safe.
 */
import type { AccountId } from '../address/account-id.js';
import { groupContentToWire } from '../content/codec.js';
import { MAX_ENCODED_CONTENT_BYTES } from '../content/padding.js';
import type { GroupContent } from '../content/types.js';
import { equalBytes } from '../encoding.js';
import type { GroupChangeSet } from './change-set.js';
import { MAX_LISTED_GROUP_CHANGE_IDS } from './limits.js';
import { parseGroupChangeBody, type VerifiedGroupChange } from './signed-change.js';
import type { GroupState } from './state.js';

function encodedLength(content: GroupContent): number {
  // The wire form is ASCII (base64, UUIDs, digits), so characters are bytes.
  return JSON.stringify(groupContentToWire(content)).length;
}

/** The ids a message lists: none for an empty set (a receiver then sends everything, which is right). */
function idsToList(set: GroupChangeSet): string[] | undefined {
  return set.size > 0 && set.size <= MAX_LISTED_GROUP_CHANGE_IDS ? set.ids() : undefined;
}

/**
 * `changes` as group messages of `kind` from the holder of `set`: as few as
 * fit the content limit, each with the set's digest and, when the set is
 * small enough to list and the list fits beside the change, every id it
 * holds. A newcomer's invitation is `groupMessages(set, set.sorted(), 'update')`.
 */
export function groupMessages(
  set: GroupChangeSet,
  changes: readonly VerifiedGroupChange[],
  kind: 'update' | 'answer',
): GroupContent[] {
  const digest = set.digest();
  const have = idsToList(set);
  const frame = (withHave: boolean, chunk: VerifiedGroupChange[]): GroupContent => ({
    type: 'group',
    groupId: set.groupId,
    kind,
    changes: chunk.map((change) => change.signed),
    digest,
    ...(withHave && have !== undefined ? { have } : {}),
  });
  // Each change adds its own JSON, and a comma after the first, to a fixed frame.
  const bare = encodedLength(frame(false, []));
  const listed = encodedLength(frame(true, []));
  const itemLength = (change: VerifiedGroupChange) => encodedLength(frame(false, [change])) - bare;
  const messages: GroupContent[] = [];
  let chunk: VerifiedGroupChange[] = [];
  let length = listed;
  for (const change of changes) {
    const item = itemLength(change);
    if (chunk.length > 0 && length + 1 + item > MAX_ENCODED_CONTENT_BYTES) {
      messages.push(frame(true, chunk));
      chunk = [];
      length = listed;
    }
    if (chunk.length === 0 && length + item > MAX_ENCODED_CONTENT_BYTES) {
      // Too large to travel with the id list: alone, without it.
      messages.push(frame(false, [change]));
      continue;
    }
    length += (chunk.length > 0 ? 1 : 0) + item;
    chunk.push(change);
  }
  if (chunk.length > 0) messages.push(frame(true, chunk));
  return messages;
}

/**
 * Whom a change goes to: everyone who was a member (joined or invited) before
 * it or is one after it, but the author. So an invitee hears of its
 * invitation and a removed member of its removal.
 */
export function changeRecipients(before: GroupState | null, after: GroupState | null, self: AccountId): AccountId[] {
  const recipients = new Set<AccountId>();
  for (const state of [before, after]) {
    for (const member of state?.members ?? []) if (member.accountId !== self) recipients.add(member.accountId);
  }
  return [...recipients].sort();
}

/**
 * "Here is what I hold": no changes, the set's digest and (when it is small
 * enough) its ids. Receivers answer with what the sender lacks. A client
 * sends one to the members of each group now and then (docs/protocol.md §10,
 * Anti-entropy), which is what brings a member that has been silent up to date.
 */
export function groupSync(set: GroupChangeSet): GroupContent {
  const have = idsToList(set);
  return {
    type: 'group',
    groupId: set.groupId,
    kind: 'sync',
    changes: [],
    digest: set.digest(),
    ...(have === undefined ? {} : { have }),
  };
}

/** What a receiver sends after merging a group message. */
export interface GroupResponse {
  /** Changes to send as `groupMessages(set, changes, 'answer')`, and to whom; null for none. */
  readonly answer: {
    readonly changes: readonly VerifiedGroupChange[];
    readonly recipients: readonly AccountId[];
  } | null;
  /** Whom to send `groupSync(set)`. */
  readonly syncTo: readonly AccountId[];
}

/**
 * Anti-entropy: what to send after merging `message` from `sender` into
 * `set` (`added`: the changes that were new; `before` and `after`: the fold
 * before and after the merge).
 *
 * 1. An answer that added nothing gets no response.
 * 2. If the sender lacks changes this set holds (exactly those missing from
 *    its `have`; every change when it listed none) and its digest is not
 *    this set's, answer with them, to the sender and to each member now in
 *    the group whom a change in the message invited (they received their
 *    inviter's set, which may lack them too).
 * 3. Else, if the sender's `have` lists ids this set lacks, send the sender
 *    a sync, which it answers by rule 2 (it finds exactly those ids lacking).
 * 4. And whoever the merge made a member in this member's view (other than
 *    itself and the sender) gets a sync: they may hold less than this member,
 *    and learn it from the sync (rule 3 on their side), or hold more.
 *
 * Exchanges always stop: an answer grows its receiver's set or ends the
 * exchange; a sync is answered with a sync only by a member that lacks ids
 * the sync listed, and that sync is then answered by rule 2; syncs by rule 4
 * follow only merges that added changes; sets are bounded.
 * Messages that arrive together (a history in several parts) are best all
 * merged before planning the response to the last of them, with `added`
 * covering all of them: each part alone would look like a sender holding
 * more than this member, and draw a needless sync.
 */
export function planGroupResponse(
  set: GroupChangeSet,
  states: { readonly before: GroupState | null; readonly after: GroupState | null },
  message: Pick<GroupContent, 'kind' | 'changes' | 'digest' | 'have'>,
  added: readonly VerifiedGroupChange[],
  parties: { readonly self: AccountId; readonly sender: AccountId },
): GroupResponse {
  if (message.kind === 'answer' && added.length === 0) return { answer: null, syncTo: [] };
  let answer: GroupResponse['answer'] = null;
  const syncTo = new Set<AccountId>();
  if (!set.matches(message.digest)) {
    const changes = set.lackedBy(message.have);
    if (changes.length > 0) {
      answer = { changes, recipients: answerRecipients(set, states.after, message, parties) };
    } else if (message.have?.some((id) => !set.has(id))) {
      syncTo.add(parties.sender);
    }
  }
  const known = new Set(states.before?.members.map((member) => member.accountId));
  for (const { accountId } of states.after?.members ?? []) {
    if (known.has(accountId) || accountId === parties.sender || answer?.recipients.includes(accountId)) continue;
    syncTo.add(accountId);
  }
  syncTo.delete(parties.self);
  return { answer, syncTo: [...syncTo].sort() };
}

function changeIdOf(body: Uint8Array): string | undefined {
  try {
    return parseGroupChangeBody(body).id;
  } catch {
    return undefined;
  }
}

function answerRecipients(
  set: GroupChangeSet,
  state: GroupState | null,
  message: Pick<GroupContent, 'changes'>,
  parties: { readonly self: AccountId; readonly sender: AccountId },
): AccountId[] {
  const invited = new Set<string>();
  for (const signed of message.changes) {
    // Only what the set accepted counts: the held change with these exact bytes.
    const held = set.get(changeIdOf(signed.body) ?? '');
    if (held === undefined || !equalBytes(held.signed.body, signed.body)) continue;
    const { body } = held;
    if (body.action === 'invite' || body.action === 'create')
      for (const ref of body.members) invited.add(ref.accountId);
  }
  const recipients = new Set<AccountId>([parties.sender]);
  for (const member of state?.members ?? []) if (invited.has(member.accountId)) recipients.add(member.accountId);
  recipients.delete(parties.self);
  return [...recipients].sort();
}
