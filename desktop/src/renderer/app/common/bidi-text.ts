/**
 * Bidirectional control characters in text from other people. The
 * embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) change
 * the order in which everything after them is drawn ("Trojan Source"): a
 * message could show "gnp.exe" as "exe.png", or move words across a link. They
 * are removed from every text Parley shows (message bodies, previews,
 * notifications). The marks (U+200E LRM, U+200F RLM, U+061C ALM) stay: they
 * are ordinary in right-to-left writing and reorder nothing by themselves
 * (zero-width strong characters, they only decide the direction of the
 * neutral characters next to them), and the view isolates each message
 * (`dir="auto"`) and each link and host (`<bdi>`), so no character's effect
 * crosses into a neighbouring message, link or label.
 */

const EMBEDDINGS_OVERRIDES_ISOLATES = /[\u202A-\u202E\u2066-\u2069]/g;

/** The text without bidi embeddings, overrides and isolates (marks kept). */
export function withoutBidiControls(text: string): string {
  return text.replace(EMBEDDINGS_OVERRIDES_ISOLATES, '');
}
