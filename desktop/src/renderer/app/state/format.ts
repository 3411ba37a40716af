/** Formatting of times and numbers for the screen. Pure, so tests pin them. */

const DAY_MS = 24 * 60 * 60 * 1000;

function startOfDay(time: number): number {
  const date = new Date(time);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

/**
 * The conversation list's time column: the clock time today, "Yesterday",
 * the weekday within the last week, else the date.
 */
export function formatListTime(time: number, now: number, locale?: string): string {
  const today = startOfDay(now);
  const day = startOfDay(time);
  if (day >= today) return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(time);
  if (day >= today - DAY_MS) return 'Yesterday';
  if (day > today - 7 * DAY_MS) return new Intl.DateTimeFormat(locale, { weekday: 'short' }).format(time);
  const sameYear = new Date(time).getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(
    locale,
    sameYear ? { day: 'numeric', month: 'short' } : { dateStyle: 'medium' },
  ).format(time);
}

/** The full date and time, for a tooltip. */
export function formatFullTime(time: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(time);
}

/** A safety number's 60 digits as 12 groups of 5, separated by spaces. */
export function groupSafetyNumber(digits: string): string {
  const clean = digits.replace(/\D/g, '');
  return (clean.match(/.{1,5}/g) ?? []).join(' ');
}

/** Unread counts above 99 show as "99+", as every messenger does. */
export function formatUnread(count: number): string {
  return count > 99 ? '99+' : String(count);
}

/** A file's size as people read it: "812 bytes", "4.2 KB", "31 MB" (decimal units, as file managers show them). */
export function formatFileSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1000) {
    const whole = Math.max(0, Math.round(bytes || 0));
    return `${whole} ${whole === 1 ? 'byte' : 'bytes'}`;
  }
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
