/** What a key press in the composer means: Enter sends, Shift+Enter (and Enter while composing with an IME) adds a line. */

export interface ComposerKey {
  readonly key: string;
  readonly shiftKey: boolean;
  readonly isComposing: boolean;
  readonly altKey?: boolean;
  readonly ctrlKey?: boolean;
  readonly metaKey?: boolean;
}

export function composerAction(event: ComposerKey): 'send' | 'newline' | 'none' {
  if (event.key !== 'Enter' || event.isComposing) return 'none';
  if (event.shiftKey) return 'newline';
  if (event.altKey === true || event.ctrlKey === true || event.metaKey === true) return 'none';
  return 'send';
}

/** Text worth sending: anything but blank; the text itself is sent as written. */
export function sendableText(text: string): string | null {
  return text.trim() === '' ? null : text;
}
