/**
 * The deterministic fold (docs/protocol.md §10, The fold): a group's state is
 * a pure function of the set of changes a member holds. Sort by (clock,
 * author, id); start from no group; apply each change that is valid at that
 * point and skip the others; after each applied change, run the admin
 * fallback. Two members holding the same set get the same state, whatever
 * order the changes arrived in. Browser-safe.
 */
import { toBase64 } from '../encoding.js';
import type { GroupChangeSet } from './change-set.js';
import { applyChange, skipReason, type WorkingGroup } from './rules.js';
import type { GroupChangeOutcome, GroupFold } from './state.js';

/** The fold with the working group the builder checks a new change against. */
export interface Replay {
  readonly group: WorkingGroup | null;
  readonly outcomes: readonly GroupChangeOutcome[];
}

export function replayGroup(set: GroupChangeSet): Replay {
  let group: WorkingGroup | null = null;
  const outcomes: GroupChangeOutcome[] = [];
  for (const change of set.sorted()) {
    const { body } = change;
    const size = change.signed.body.byteLength;
    const reason = skipReason(group, body, size);
    let fallbackAdmin = null;
    if (reason === null) {
      group = applyChange(group, body, size);
      fallbackAdmin = group.ensureAdmin();
    }
    outcomes.push({
      id: body.id,
      clock: body.clock,
      author: body.author,
      action: body.action,
      applied: reason === null,
      reason,
      fallbackAdmin,
    });
  }
  return { group, outcomes };
}

/** The group's state, the fate of every change, this member's next clock and the set's digest. */
export function foldGroup(set: GroupChangeSet): GroupFold {
  const { group, outcomes } = replayGroup(set);
  const digest = set.digest();
  return {
    state: group === null ? null : group.snapshot(),
    outcomes,
    nextClock: (group?.clock ?? 0) + 1,
    digest: { count: digest.count, sha256: toBase64(digest.sha256) },
  };
}
