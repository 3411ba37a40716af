/**
 * The one `Range` a blob download honours (RFC 9110 §14): `bytes=a-b`,
 * `bytes=a-` or `bytes=-n`. Anything else (several ranges, another unit,
 * malformed text) is ignored and the whole blob is sent, as the RFC allows.
 */

export type RangeAnswer =
  | { readonly kind: 'whole' }
  | { readonly kind: 'part'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

/** What to send of a blob of `length` bytes for the request's Range header (`end` inclusive). */
export function byteRangeOf(header: string | undefined, length: number): RangeAnswer {
  if (header === undefined) return { kind: 'whole' };
  const match = SINGLE_RANGE.exec(header.trim());
  if (match === null) return { kind: 'whole' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || length === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', start: Math.max(0, length - suffix), end: length - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return { kind: 'whole' };
  if (start >= length) return { kind: 'unsatisfiable' };
  const end = last === '' ? length - 1 : Number(last);
  return { kind: 'part', start, end: Math.min(end, length - 1) };
}
