/**
 * A small network of group members for simulations: each holds its own set,
 * makes changes with the app's builder, sends them as the protocol says
 * (the change to everyone in its view, the whole history to people it
 * invites), and responds to group messages by the anti-entropy rules. Messages go
 * through the content codec and arrive in whatever order the test picks.
 */
import type { AccountId } from '../../src/address/account-id.js';
import { decodeContent, encodeContent } from '../../src/content/codec.js';
import type { GroupContent } from '../../src/content/types.js';
import { changeRecipients, groupMessages, groupSync, planGroupResponse } from '../../src/group/anti-entropy.js';
import type { GroupAction } from '../../src/group/change-schema.js';
import { GroupChangeSet } from '../../src/group/change-set.js';
import { foldGroup } from '../../src/group/fold.js';
import type { VerifiedGroupChange } from '../../src/group/signed-change.js';
import type { GroupState } from '../../src/group/state.js';
import { verifyIdentitySignature } from '../../src/signal/signatures.js';
import type { Member } from './group-kit.js';

export interface InFlight {
  readonly from: AccountId;
  readonly to: AccountId;
  readonly padded: Uint8Array;
}

export class GroupNetwork {
  readonly sets = new Map<AccountId, GroupChangeSet>();
  readonly inFlight: InFlight[] = [];
  readonly made: VerifiedGroupChange[] = [];
  readonly responses = { answer: 0, sync: 0 };
  readonly #people: ReadonlyMap<AccountId, Member>;

  constructor(
    people: readonly Member[],
    readonly groupId: string,
  ) {
    this.#people = new Map(people.map((member) => [member.id, member]));
  }

  member(id: AccountId): Member {
    const member = this.#people.get(id);
    if (member === undefined) throw new Error(`unknown ${id}`);
    return member;
  }

  setOf(id: AccountId): GroupChangeSet {
    let set = this.sets.get(id);
    if (set === undefined) {
      set = new GroupChangeSet(this.groupId);
      this.sets.set(id, set);
    }
    return set;
  }

  stateOf(id: AccountId): GroupState | null {
    return foldGroup(this.setOf(id)).state;
  }

  /** `author` founds the group (the network's group id must be its create's). */
  found(author: Member, create: VerifiedGroupChange): void {
    this.setOf(author.id).add(create);
    this.made.push(create);
    this.#announce(author, null, create);
  }

  /** `author` makes `action` if its builder allows it; false when refused. */
  act(author: Member, action: Exclude<GroupAction, { action: 'create' }>): boolean {
    const set = this.setOf(author.id);
    const before = foldGroup(set).state;
    let change: VerifiedGroupChange;
    try {
      change = author.change(set, action);
    } catch {
      return false;
    }
    set.add(change);
    this.made.push(change);
    this.#announce(author, before, change);
    return true;
  }

  #announce(author: Member, before: GroupState | null, change: VerifiedGroupChange): void {
    const set = this.setOf(author.id);
    const after = foldGroup(set).state;
    const wasMember = new Set(before?.members.map((member) => member.accountId));
    for (const to of changeRecipients(before, after, author.id)) {
      // Someone who just joined the member list gets the whole history; the others get the change.
      this.#send(author.id, to, groupMessages(set, wasMember.has(to) ? [change] : set.sorted(), 'update'));
    }
  }

  #send(from: AccountId, to: AccountId, contents: readonly GroupContent[]): void {
    for (const content of contents) this.inFlight.push({ from, to, padded: encodeContent(content) });
  }

  /** `from` tells each member of the group as it sees it what it holds. */
  sync(from: AccountId): void {
    const set = this.setOf(from);
    for (const member of foldGroup(set).state?.members ?? []) {
      if (member.accountId !== from) this.#send(from, member.accountId, [groupSync(set)]);
    }
  }

  /** Delivers the message at `index` of `inFlight` and sends the answer it calls for. */
  deliver(index: number): void {
    const [message] = this.inFlight.splice(index, 1);
    if (message === undefined) throw new Error('nothing in flight there');
    const content = decodeContent(message.padded) as GroupContent;
    const set = this.setOf(message.to);
    const before = foldGroup(set).state;
    const { added } = set.merge(content.changes, verifyIdentitySignature);
    const response = planGroupResponse(set, { before, after: foldGroup(set).state }, content, added, {
      self: message.to,
      sender: message.from,
    });
    if (response.answer !== null) {
      this.responses.answer++;
      const contents = groupMessages(set, response.answer.changes, 'answer');
      for (const to of response.answer.recipients) this.#send(message.to, to, contents);
    }
    for (const to of response.syncTo) {
      this.responses.sync++;
      this.#send(message.to, to, [groupSync(set)]);
    }
  }
}
