/** A conversation's preview: the start of its newest text, on one line. */

export const PREVIEW_LENGTH = 120;

export function previewOf(body: string): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  return oneLine.length <= PREVIEW_LENGTH ? oneLine : `${oneLine.slice(0, PREVIEW_LENGTH - 1)}…`;
}
