/**
 * Received group control (docs/protocol.md §10), inside the receive
 * commit's transaction: merge the changes the vault verified into the
 * group's set, fold, write the conversation and timeline, and queue the
 * anti-entropy response (planGroupResponse: answers with what the sender
 * lacks, syncs to whoever the merge made a member). Only IndexedDB work.
 *
 * The sender needs no contact record: members who are no contacts are
 * reached through the group (group-members.ts). An invitation from someone
 * who is no accepted contact stays `invited` with `invitedBy` naming them;
 * the queries show it as a group request (nothing is sent until accepted).
 */
import { CONTENT_VERSION, groupContentFromWire } from '@parley/crypto-core/content';
import { planGroupResponse } from '@parley/crypto-core/group';
import type { AccountId } from '@parley/crypto-core/wire';
import type { IncomingGroupContent } from '../../../common/vault-api.js';
import type { EngineDatabase } from '../database.js';
import { queueGroupResponse } from './group-outbox.js';
import { GroupStore } from './group-store.js';
import { recordGroupMerge } from './group-timeline.js';

export interface IncomingGroupControl {
  readonly envelopeId: string;
  readonly senderAccountId: AccountId;
  readonly content: IncomingGroupContent;
}

/** Applies the batch's group contents in arrival order; answers how many outbox items were queued. */
export async function applyGroupControl(
  db: EngineDatabase,
  contents: readonly IncomingGroupControl[],
  context: { readonly self: AccountId; readonly now: number },
): Promise<number> {
  let queued = 0;
  const store = new GroupStore(db, context.self, () => context.now);
  for (const { senderAccountId, content } of contents) {
    const { refused: _refused, ...wire } = content;
    const message = groupContentFromWire({ v: CONTENT_VERSION, ...wire });
    const merge = await store.merge(content.groupId, wire.changes, senderAccountId);
    await recordGroupMerge(db, merge, context.self, context.now);
    const response = planGroupResponse(
      merge.set,
      { before: merge.before.state, after: merge.after.state },
      message,
      merge.added,
      { self: context.self, sender: senderAccountId },
    );
    queued += await queueGroupResponse(db, merge.set, response, context.now);
  }
  return queued;
}
