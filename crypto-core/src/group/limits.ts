/**
 * The limits of a group (docs/protocol.md §10, Limits). A change that would
 * pass one is refused by the client that would make it (GROUP_LIMIT) and is
 * invalid in the fold for everyone else. No imports: the content schema reads
 * these too. Browser-safe.
 */

/** Most members of a group, joined and invited together. */
export const MAX_GROUP_MEMBERS = 256;
/** Longest group name, in UTF-16 code units. */
export const MAX_GROUP_NAME_LENGTH = 64;
/** Longest group description, in UTF-16 code units. */
export const MAX_GROUP_DESCRIPTION_LENGTH = 480;
/** Largest group avatar image (bytes, before base64). */
export const MAX_GROUP_AVATAR_BYTES = 32 * 1024;
/** Most valid changes in a group's history; later ones are invalid, so the group takes no more. */
export const MAX_GROUP_CHANGES = 4000;
/**
 * Most bytes of change bodies in a group's history: changes that would pass
 * it are invalid too. Ordinary changes are a few hundred bytes, so this only
 * binds a history of large ones (about 190 set-avatar changes of the largest
 * avatar), which would otherwise cost every member up to 180 MB.
 */
export const MAX_GROUP_HISTORY_BYTES = 8 * 1024 * 1024;
/**
 * Most changes a client holds for one group, valid or not. Only changes the
 * fold skips (a former member's, a non-member's) can take a set past
 * MAX_GROUP_CHANGES, so this bounds what someone who knows the group id can
 * make a member store.
 */
export const MAX_STORED_GROUP_CHANGES = 2 * MAX_GROUP_CHANGES;
/** Most bytes of change bodies a client holds for one group, valid or not (as MAX_STORED_GROUP_CHANGES). */
export const MAX_STORED_GROUP_BYTES = 2 * MAX_GROUP_HISTORY_BYTES;
/**
 * Largest signed change body in bytes: small enough that any one change, in
 * base64 with its signature, fits one content (65,535 bytes encoded), and
 * large enough for a set-avatar change with the largest avatar.
 */
export const MAX_GROUP_CHANGE_BODY_BYTES = 45 * 1024;
/**
 * How far a change's clock may run ahead of the highest clock applied before
 * it. An honest client's clock is one more than the highest it has applied;
 * the bound keeps a member from pushing the clock to its maximum, after which
 * nobody could make a later change.
 */
export const MAX_GROUP_CLOCK_STEP = 1024;
/**
 * Most change ids a group message lists in `have`: sets up to this size tell
 * receivers exactly what the sender holds (16 bytes an id, 21,848 characters
 * of base64 at the most).
 */
export const MAX_LISTED_GROUP_CHANGE_IDS = 1024;
