/**
 * The per-launch token: the secret that separates the page the user opened
 * from the URL the shell printed from any other program or page on this
 * machine. A new one on every start, never written to disk.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { toBase64Url } from '@parley/crypto-core/encoding';

/** 32 random bytes, base64url (43 characters, safe in a URL fragment). */
export function createLaunchToken(): string {
  return toBase64Url(randomBytes(32));
}

/**
 * Compares in constant time. Both sides are hashed first so that the
 * comparison never depends on (or leaks) the presented value's length.
 */
export function tokenMatches(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(presented));
}
