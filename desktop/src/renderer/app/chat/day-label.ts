/** Day separators in the history: "Today", "Yesterday", else the date (with the year when it is not this year). */

/**
 * Formatters are costly to build (a fraction of a millisecond each) and every
 * rendered row needs two, so each kind is built once per locale.
 */
const FORMATS = {
  clock: { hour: '2-digit', minute: '2-digit' },
  full: { dateStyle: 'medium', timeStyle: 'short' },
  day: { weekday: 'long', day: 'numeric', month: 'long' },
  'day-year': { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(kind: keyof typeof FORMATS, locale: string | undefined): Intl.DateTimeFormat {
  const key = `${kind}\u0000${locale ?? ''}`;
  let format = formatters.get(key);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale, FORMATS[kind]);
    formatters.set(key, format);
  }
  return format;
}

/** A local calendar day as a comparable number (year * 10000 + month * 100 + day). */
export function localDay(time: number): number {
  const date = new Date(time);
  return date.getFullYear() * 10_000 + (date.getMonth() + 1) * 100 + date.getDate();
}

function dayBefore(time: number): number {
  const date = new Date(time);
  date.setDate(date.getDate() - 1);
  return localDay(date.getTime());
}

export function dayLabel(time: number, now: number, locale?: string): string {
  const day = localDay(time);
  if (day === localDay(now)) return 'Today';
  if (day === dayBefore(now)) return 'Yesterday';
  const sameYear = new Date(time).getFullYear() === new Date(now).getFullYear();
  return formatter(sameYear ? 'day' : 'day-year', locale).format(time);
}

/** The clock time under a bubble. */
export function clockTime(time: number, locale?: string): string {
  return formatter('clock', locale).format(time);
}

/** The full date and time, for the time's tooltip. */
export function fullTime(time: number, locale?: string): string {
  return formatter('full', locale).format(time);
}
