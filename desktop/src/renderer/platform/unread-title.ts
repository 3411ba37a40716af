/**
 * The unread count in the window title, "(3) Parley", the same in a browser
 * tab and in Electron's window (whose title follows the page's: Electron
 * copies document.title to the BrowserWindow unless 'page-title-updated' is
 * prevented, and main does not prevent it). Pure, so both platforms and the
 * tests share it.
 */

const TITLE_COUNT = /^\(\d+\) /;

/** A non-negative whole unread count; anything else is 0. */
export function unreadCount(count: number): number {
  return Number.isInteger(count) && count > 0 ? count : 0;
}

/** `title` with its count replaced by `count` ("(3) Parley"), or removed at 0. */
export function titleWithUnread(title: string, count: number): string {
  const bare = title.replace(TITLE_COUNT, '');
  const unread = unreadCount(count);
  return unread > 0 ? `(${unread}) ${bare}` : bare;
}
