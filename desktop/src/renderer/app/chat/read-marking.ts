/** When the open conversation's incoming messages count as read. */
import type { MessageView } from '../../engine/queries.js';

/** Unread incoming messages are loaded in the view, and the page is visible and focused. */
export function shouldMarkRead(rows: readonly MessageView[], pageActive: boolean): boolean {
  if (!pageActive) return false;
  for (let index = rows.length - 1; index >= 0; index--) {
    const row = rows[index] as MessageView;
    if (row.direction === 'incoming' && row.state === 'delivered') return true;
  }
  return false;
}
