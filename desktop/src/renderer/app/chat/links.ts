/**
 * Finds web links in message text. The text stays text: the view renders
 * each segment as a text node or as a link whose target (always http or
 * https) is previewed on hover and opened by the platform's browser.
 */

export type TextSegment =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'link'; readonly text: string; readonly url: string };

const CANDIDATE = /\b(?:https?:\/\/|www\.)[^\s<>"]+/gi;
const TRAILING = /[.,;:!?'"*_~]$/;

/** Drops trailing punctuation and closing brackets that have no opening partner in the link. */
function trimLink(candidate: string): string {
  let text = candidate;
  for (;;) {
    if (TRAILING.test(text)) {
      text = text.slice(0, -1);
      continue;
    }
    const last = text.at(-1);
    const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
    const opening = last === undefined ? undefined : pairs[last];
    if (opening !== undefined && count(text, last as string) > count(text, opening)) {
      text = text.slice(0, -1);
      continue;
    }
    return text;
  }
}

function count(text: string, char: string): number {
  let n = 0;
  for (const c of text) if (c === char) n++;
  return n;
}

/** The http(s) URL a link text stands for, or null when it is not one. */
export function linkUrl(text: string): string | null {
  const withScheme = /^www\./i.test(text) ? `https://${text}` : text;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return null;
  return url.href;
}

export function splitLinks(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let cursor = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index;
    const linkText = trimLink(match[0]);
    const url = linkUrl(linkText);
    if (url === null) continue;
    if (start > cursor) segments.push({ kind: 'text', text: text.slice(cursor, start) });
    segments.push({ kind: 'link', text: linkText, url });
    cursor = start + linkText.length;
  }
  if (cursor < text.length) segments.push({ kind: 'text', text: text.slice(cursor) });
  return segments;
}
