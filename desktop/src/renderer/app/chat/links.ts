/**
 * Finds web links in message text. The text stays text: the view renders
 * each segment as a text node or as a link whose target (always http or
 * https, never with credentials) is previewed on hover and opened by the
 * platform's browser. A link says where it goes: `host` is the URL's real
 * host in ASCII (punycode for international names, as the browser will
 * resolve it), and `showHost` is set when the link's text names another
 * host (look-alike letters, percent-encoding, odd dots), so the view shows
 * the real one beside it.
 */

export type TextSegment =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'link';
      readonly text: string;
      readonly url: string;
      /** URL.hostname: lower case, punycode for non-ASCII names. */
      readonly host: string;
      /** The text does not spell `host`: show the host beside the link. */
      readonly showHost: boolean;
    };

/**
 * A link runs to the next space, angle bracket or quote, or bidi mark (a
 * mark is invisible in the text and would only be percent-encoded into the
 * URL). Embeddings, overrides and isolates never reach here (bidi-text.ts).
 */
const CANDIDATE = /\b(?:https?:\/\/|www\.)[^\s<>"\u200E\u200F\u061C]+/gi;
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

/** The parsed http(s) URL a link text stands for, or null (other schemes, no host, or credentials). */
function parseLink(text: string): URL | null {
  const withScheme = /^www\./i.test(text) ? `https://${text}` : text;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return null;
  // "https://bank.example@evil.example" goes to evil.example; and the platform refuses to open it anyway.
  if (url.username !== '' || url.password !== '') return null;
  return url;
}

/** The http(s) URL a link text stands for, or null when it is not one Parley opens. */
export function linkUrl(text: string): string | null {
  return parseLink(text)?.href ?? null;
}

/** The host as the link's text spells it: after the scheme, before the port, path, query or fragment. */
function spelledHost(text: string): string {
  const rest = text.replace(/^https?:\/\//i, '');
  const host = /^[^/?#\\]*/.exec(rest)?.[0] ?? '';
  return host.replace(/:\d*$/, '').toLowerCase();
}

export function splitLinks(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let cursor = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index;
    const linkText = trimLink(match[0]);
    const url = parseLink(linkText);
    if (url === null) continue;
    if (start > cursor) segments.push({ kind: 'text', text: text.slice(cursor, start) });
    segments.push({
      kind: 'link',
      text: linkText,
      url: url.href,
      host: url.hostname,
      showHost: spelledHost(linkText) !== url.hostname,
    });
    cursor = start + linkText.length;
  }
  if (cursor < text.length) segments.push({ kind: 'text', text: text.slice(cursor) });
  return segments;
}
