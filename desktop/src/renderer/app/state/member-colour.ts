/**
 * Sender colours in groups (UI.md): each member's name is drawn in one of a
 * fixed palette of colours, picked from the member's account id, so the same
 * member has the same colour in every group, on every device. The palette is
 * `--color-member-0` … `--color-member-7` in styles/theme.css, one set per
 * theme; each meets WCAG AA (4.5:1) on the chat's background and the
 * surfaces (test/ui/member-colour.test.ts measures them).
 */
import { accountHash } from './avatar.js';

export const MEMBER_PALETTE_SIZE = 8;

/** Which palette entry names `accountId` (0 … MEMBER_PALETTE_SIZE - 1). */
export function memberColourIndex(accountId: string): number {
  return accountHash(accountId) % MEMBER_PALETTE_SIZE;
}

/** The CSS colour (a theme variable) for `accountId`'s name. */
export function memberColour(accountId: string): string {
  return `var(--color-member-${memberColourIndex(accountId)})`;
}
