/**
 * The in-memory store's invite codes (their hashes, never the codes) and the
 * admission of a new account under the registration policy.
 */
import type { AccountAdmission, NewInvite } from './relay-store.js';
import { accountRefused, invalidInput } from './relay-store-errors.js';
import { assertCanonicalBase64 } from './store-input.js';

export class MemoryInvites {
  /** Invite code hash -> its expiry. */
  readonly #invites = new Map<string, number>();

  /** Stores all invites or, if one hash is malformed or already stored, none. */
  create(invites: readonly NewInvite[]): void {
    const hashes = new Set<string>();
    for (const invite of invites) {
      assertCanonicalBase64(invite.codeHash, 'invite code hash');
      if (this.#invites.has(invite.codeHash) || hashes.has(invite.codeHash)) {
        throw invalidInput('an invite code hash is already stored');
      }
      hashes.add(invite.codeHash);
    }
    for (const invite of invites) this.#invites.set(invite.codeHash, invite.expiresAt);
  }

  /** Lets a new account in under `admission`, consuming its invite; throws the refusal otherwise. */
  admit(admission: AccountAdmission, now: number): void {
    if (admission.policy === 'open') return;
    if (admission.policy === 'closed') throw accountRefused('REGISTRATION_CLOSED');
    if (admission.inviteCodeHash === null) throw accountRefused('INVITE_REQUIRED');
    const expiresAt = this.#invites.get(admission.inviteCodeHash);
    if (expiresAt === undefined || expiresAt <= now) throw accountRefused('INVITE_INVALID');
    this.#invites.delete(admission.inviteCodeHash);
  }

  deleteExpired(now: number): number {
    let removed = 0;
    for (const [hash, expiresAt] of this.#invites) {
      if (expiresAt <= now) {
        this.#invites.delete(hash);
        removed++;
      }
    }
    return removed;
  }
}
