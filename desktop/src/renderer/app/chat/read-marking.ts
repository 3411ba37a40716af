/**
 * When the open conversation's incoming messages count as read: only what
 * the user could see. The page is visible, the window focused, nothing covers
 * the conversation (the settings panel or a dialog), and the message row was
 * in the history's viewport: every unread message up to the newest row shown
 * is read (the view opens at the first unread one and moves down).
 */
import type { MessageView } from '../../engine/queries.js';

export interface Sight {
  readonly pageVisible: boolean;
  readonly windowFocused: boolean;
  /** A modal dialog or the settings panel is over the conversation. */
  readonly covered: boolean;
}

/** The user can see the open conversation now. */
export function conversationInSight(sight: Sight): boolean {
  return sight.pageVisible && sight.windowFocused && !sight.covered;
}

/**
 * The position to mark read through (`engine.markRead`), or null for none:
 * `seenThrough` is the position of the newest row in the viewport, and some
 * unread incoming row lies at or before it.
 */
export function readThrough(rows: readonly MessageView[], seenThrough: string | null, inSight: boolean): string | null {
  if (!inSight || seenThrough === null) return null;
  const unseen = rows.some(
    (row) => row.direction === 'incoming' && row.state === 'delivered' && row.position <= seenThrough,
  );
  return unseen ? seenThrough : null;
}
