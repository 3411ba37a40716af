/** Avatars without pictures (UI.md): initials on a colour derived from the account id. */

/** Up to two initials from a display name; the first two characters otherwise. */
export function initials(name: string): string {
  const words = name
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .split(/\s+/)
    .filter((word) => word.length > 0);
  if (words.length === 0) return '?';
  const first = words[0] ?? '';
  const second = words[1];
  const letters = second === undefined ? [...first].slice(0, 2).join('') : `${[...first][0]}${[...second][0]}`;
  return letters.toUpperCase();
}

/**
 * A hue (0–359) from the account id (FNV-1a), so the same account always has
 * the same colour, on every device. Lightness is fixed by the theme so text
 * on it keeps its contrast.
 */
export function avatarHue(accountId: string): number {
  return accountHash(accountId) % 360;
}

/** FNV-1a of the id's UTF-16 code units, unsigned: the same id gives the same number on every device. */
export function accountHash(accountId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < accountId.length; index += 1) {
    hash ^= accountId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The picture for a conversation's avatar: the contact's profile picture, or the group photo; null: initials. */
export function conversationAvatarUrl(
  conversation: {
    readonly contact: { readonly avatarUrl: string | null } | null;
    readonly group: { readonly avatarUrl: string | null } | null;
  } | null,
): string | null {
  return conversation?.contact?.avatarUrl ?? conversation?.group?.avatarUrl ?? null;
}
