/**
 * The set of verified changes a member holds for one group
 * (docs/protocol.md §10, The change set and Anti-entropy). A set only grows:
 * union by change id, where the same id with other body bytes is refused
 * (GROUP_CHANGE_CONFLICT), so any two members holding the same ids hold the
 * same changes. Browser-safe.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { GroupSetDigest } from '../content/types.js';
import { type Bytes, concatBytes, equalBytes, utf8 } from '../encoding.js';
import { CryptoErrorCode, invalidInput, ParleyCryptoError } from '../errors.js';
import { MAX_STORED_GROUP_BYTES, MAX_STORED_GROUP_CHANGES } from './limits.js';
import {
  type SignatureCheck,
  type SignedGroupChange,
  type VerifiedGroupChange,
  verifyGroupChange,
} from './signed-change.js';

const DIGEST_DOMAIN = concatBytes(utf8('Parley group set v1'), new Uint8Array([0]));

/** The fold order: clock, then author account id, then change id (each ascending, by code unit). */
export function compareGroupChanges(a: VerifiedGroupChange, b: VerifiedGroupChange): number {
  const x = a.body;
  const y = b.body;
  if (x.clock !== y.clock) return x.clock - y.clock;
  if (x.author !== y.author) return x.author < y.author ? -1 : 1;
  return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}

/** What `merge` did with each change offered. */
export interface GroupMergeResult {
  /** Changes the set did not hold before, in the order offered. */
  readonly added: readonly VerifiedGroupChange[];
  /** Changes refused, with why (bad signature, conflict, another group, the storage limit). */
  readonly refused: readonly { readonly index: number; readonly error: ParleyCryptoError }[];
}

export class GroupChangeSet {
  readonly groupId: string;
  readonly #changes = new Map<string, VerifiedGroupChange>();
  #bytes = 0;
  #digest: GroupSetDigest | undefined;

  constructor(groupId: string, changes: Iterable<VerifiedGroupChange> = []) {
    this.groupId = groupId;
    for (const change of changes) this.add(change);
  }

  get size(): number {
    return this.#changes.size;
  }

  has(id: string): boolean {
    return this.#changes.has(id);
  }

  get(id: string): VerifiedGroupChange | undefined {
    return this.#changes.get(id);
  }

  /**
   * Adds a verified change; true when it is new, false when the set already
   * held these exact bytes. Throws INVALID_GROUP_CHANGE for another group's
   * change, GROUP_CHANGE_CONFLICT for a known id with other body bytes, and
   * GROUP_LIMIT when the set would pass MAX_STORED_GROUP_CHANGES or
   * MAX_STORED_GROUP_BYTES.
   */
  add(change: VerifiedGroupChange): boolean {
    const { id, groupId } = change.body;
    if (groupId !== this.groupId) {
      throw invalidInput(CryptoErrorCode.InvalidGroupChange, 'the change belongs to another group', { id, groupId });
    }
    const held = this.#changes.get(id);
    if (held !== undefined) {
      if (equalBytes(held.bodyHash, change.bodyHash)) return false;
      throw invalidInput(CryptoErrorCode.GroupChangeConflict, 'a change with this id is held with other bytes', { id });
    }
    const size = change.signed.body.byteLength;
    if (this.#changes.size >= MAX_STORED_GROUP_CHANGES || this.#bytes + size > MAX_STORED_GROUP_BYTES) {
      throw invalidInput(
        CryptoErrorCode.GroupLimit,
        `a group holds at most ${MAX_STORED_GROUP_CHANGES} changes and ${MAX_STORED_GROUP_BYTES} bytes of them`,
        { id, groupId },
      );
    }
    this.#changes.set(id, change);
    this.#bytes += size;
    this.#digest = undefined;
    return true;
  }

  /**
   * Verifies and adds signed changes as they arrive (a group message, a
   * history). Each one is judged alone: a refused change does not stop the
   * others.
   */
  merge(signed: readonly SignedGroupChange[], checkSignature: SignatureCheck): GroupMergeResult {
    const added: VerifiedGroupChange[] = [];
    const refused: { index: number; error: ParleyCryptoError }[] = [];
    signed.forEach((candidate, index) => {
      try {
        const change = verifyGroupChange(candidate, checkSignature);
        if (this.add(change)) added.push(change);
      } catch (error) {
        if (!ParleyCryptoError.is(error)) throw error;
        refused.push({ index, error });
      }
    });
    return { added, refused };
  }

  /** Every change, in fold order. */
  sorted(): VerifiedGroupChange[] {
    return [...this.#changes.values()].sort(compareGroupChanges);
  }

  /** Every change id, ascending. */
  ids(): string[] {
    return [...this.#changes.keys()].sort();
  }

  /**
   * count, and SHA-256( "Parley group set v1" 0x00 || for each change by
   * ascending id: id (36 ASCII bytes) || SHA-256(body) ). Covering the body
   * hashes, two sets with the same ids but a change in two versions differ.
   */
  digest(): GroupSetDigest {
    if (this.#digest === undefined) {
      const hash = sha256.create().update(DIGEST_DOMAIN);
      for (const id of this.ids()) {
        hash.update(utf8(id)).update((this.#changes.get(id) as VerifiedGroupChange).bodyHash);
      }
      this.#digest = { count: this.#changes.size, sha256: hash.digest() as Bytes };
    }
    return this.#digest;
  }

  /** True when `digest` is this set's digest. */
  matches(digest: GroupSetDigest): boolean {
    const own = this.digest();
    return own.count === digest.count && equalBytes(own.sha256, digest.sha256);
  }

  /**
   * The changes someone who holds `have` lacks, in fold order: all of them
   * when `have` is unknown (the sender held too many to list them).
   */
  lackedBy(have: Iterable<string> | undefined): VerifiedGroupChange[] {
    if (have === undefined) return this.sorted();
    const held = new Set(have);
    return this.sorted().filter((change) => !held.has(change.body.id));
  }
}
