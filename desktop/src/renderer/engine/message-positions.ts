/**
 * A message's position: the string its conversation's history is ordered
 * and paged by in IndexedDB, in place of its sort key (which embeds the
 * sender's clock and so would show, on disk, when each message was written).
 * Positions compare as strings, keep the sort keys' order within a
 * conversation, and say nothing else: a counter for messages that arrive in
 * order, and a fractional key between two neighbours for one that arrives
 * late (the key-between scheme of fractional indexing).
 *
 *   position = integer part (8 base-62 digits) || fraction (base-62, no trailing '0')
 *
 * Appends step the integer part from the middle of its range (so there is
 * room before the first message too); a late message gets the previous
 * message's integer part and a fraction between the neighbours'.
 */

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE = DIGITS.length;
const INTEGER_DIGITS = 8;
const INTEGER_LIMIT = BASE ** INTEGER_DIGITS;
const FIRST_INTEGER = INTEGER_LIMIT / 2;

function encodeInteger(value: number): string {
  let text = '';
  let rest = value;
  for (let i = 0; i < INTEGER_DIGITS; i++) {
    text = (DIGITS[rest % BASE] ?? '0') + text;
    rest = Math.floor(rest / BASE);
  }
  return text;
}

function decodeInteger(text: string): number {
  let value = 0;
  for (const char of text) value = value * BASE + DIGITS.indexOf(char);
  return value;
}

function split(position: string): { integer: number; fraction: string } {
  if (
    position.length < INTEGER_DIGITS ||
    /[^0-9A-Za-z]/u.test(position) ||
    (position.endsWith('0') && position.length > INTEGER_DIGITS)
  ) {
    throw new Error(`not a message position: ${JSON.stringify(position)}`);
  }
  return { integer: decodeInteger(position.slice(0, INTEGER_DIGITS)), fraction: position.slice(INTEGER_DIGITS) };
}

/**
 * A digit string strictly between `a` and `b` (b null: above `a`), neither
 * ending in the zero digit (so there is always room between two of them).
 */
function midpoint(a: string, b: string | null): string {
  const zero = DIGITS[0] ?? '0';
  if (b !== null) {
    let n = 0;
    while ((a[n] ?? zero) === b[n]) n++;
    if (n > 0) return b.slice(0, n) + midpoint(a.slice(n), b.slice(n));
  }
  const digitA = a.length > 0 ? DIGITS.indexOf(a[0] ?? zero) : 0;
  const digitB = b !== null ? DIGITS.indexOf(b[0] ?? zero) : BASE;
  if (digitB - digitA > 1) return DIGITS[Math.round((digitA + digitB) / 2)] ?? zero;
  if (b !== null && b.length > 1) return b.slice(0, 1);
  return (DIGITS[digitA] ?? zero) + midpoint(a.slice(1), null);
}

/** The position right after `position` (null: the first message of a conversation). */
export function positionAfter(position: string | null): string {
  if (position === null) return encodeInteger(FIRST_INTEGER);
  const { integer, fraction } = split(position);
  if (integer + 1 < INTEGER_LIMIT) return encodeInteger(integer + 1);
  return encodeInteger(integer) + midpoint(fraction, null);
}

function positionBefore(position: string): string {
  const { integer, fraction } = split(position);
  if (integer > 0) return encodeInteger(integer - 1);
  if (fraction === '') throw new Error('no position sorts before the lowest one');
  return encodeInteger(0) + midpoint('', fraction);
}

/** A position strictly between `lower` and `upper` (lower < upper). */
export function positionBetween(lower: string, upper: string): string {
  if (!(lower < upper)) throw new Error('positions out of order');
  const a = split(lower);
  const b = split(upper);
  if (a.integer + 1 < b.integer) return encodeInteger(a.integer + 1);
  if (a.integer + 1 === b.integer) return encodeInteger(a.integer) + midpoint(a.fraction, null);
  return encodeInteger(a.integer) + midpoint(a.fraction, b.fraction);
}

/**
 * `count` positions in order strictly between `lower` and `upper` (either may
 * be null: no neighbour on that side). Bisects, so n late messages in one gap
 * lengthen keys by about log62(n) digits, not n.
 */
export function positionsBetween(lower: string | null, upper: string | null, count: number): string[] {
  if (count <= 0) return [];
  if (upper === null) {
    const out: string[] = [];
    let previous = lower;
    for (let i = 0; i < count; i++) {
      previous = positionAfter(previous);
      out.push(previous);
    }
    return out;
  }
  if (lower === null) {
    const out: string[] = [];
    let next = upper;
    for (let i = 0; i < count; i++) {
      next = positionBefore(next);
      out.push(next);
    }
    return out.reverse();
  }
  const middle = positionBetween(lower, upper);
  const below = positionsBetween(lower, middle, Math.floor((count - 1) / 2));
  return [...below, middle, ...positionsBetween(middle, upper, count - 1 - below.length)];
}
