/**
 * One-time invite codes (docs/relay.md, Registration policy): 20 characters
 * of RFC 4648 base32 (100 random bits), shown in four groups of five. The
 * relay stores only the SHA-256 of a code's normalized form (lower case,
 * without spaces or dashes), so its database admits no one; a code is
 * consumed by the registration it admits, in that registration's transaction.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { NewInvite, RelayStore } from '../storage/relay-store.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const CODE_CHARS = 20;
const GROUP = 5;

/** A fresh code, e.g. `k7dq2-mzr4x-a6wpe-3ny5b`. */
export function newInviteCode(): string {
  const bytes = randomBytes(CODE_CHARS);
  // 256 is a multiple of 32, so `byte % 32` is uniform.
  const chars = [...bytes].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
  return chars.match(new RegExp(`.{${GROUP}}`, 'g'))?.join('-') ?? chars;
}

/** A code as typed or pasted, as the relay compares it: lower case, no spaces or dashes. */
export function normalizeInviteCode(text: string): string {
  return text.toLowerCase().replace(/[\s-]+/g, '');
}

/** base64 SHA-256 of the normalized code: what the store keeps and looks up. */
export function inviteCodeHash(text: string): string {
  return createHash('sha256').update(normalizeInviteCode(text), 'utf8').digest('base64');
}

/** Makes `count` codes valid until `now + ttlMs`, stores their hashes, and returns the codes. */
export async function createInviteCodes(
  store: RelayStore,
  count: number,
  now: number,
  ttlMs: number,
): Promise<{ readonly codes: readonly string[]; readonly expiresAt: number }> {
  const codes = Array.from({ length: count }, newInviteCode);
  const expiresAt = now + ttlMs;
  const invites: NewInvite[] = codes.map((code) => ({ codeHash: inviteCodeHash(code), createdAt: now, expiresAt }));
  await store.createInvites(invites);
  return { codes, expiresAt };
}
