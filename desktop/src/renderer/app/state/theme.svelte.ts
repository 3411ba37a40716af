/**
 * The resolved theme: the user's choice, or the system's (prefers-color-scheme)
 * when the choice is "System", followed live. App.svelte writes the result to
 * <html data-theme>, which theme.css keys on.
 */
import { type ResolvedTheme, resolveTheme } from './preference-values.js';
import type { Preferences } from './preferences.svelte.js';

/** The part of MediaQueryList this needs (tests pass a fake). */
export interface ColorSchemeQuery {
  readonly matches: boolean;
  addEventListener(type: 'change', listener: (event: { matches: boolean }) => void): void;
  removeEventListener(type: 'change', listener: (event: { matches: boolean }) => void): void;
}

export class ThemeState {
  systemPrefersDark = $state(false);
  readonly #preferences: Preferences;
  readonly #query: ColorSchemeQuery | null;
  readonly #onChange = (event: { matches: boolean }) => {
    this.systemPrefersDark = event.matches;
  };

  constructor(
    preferences: Preferences,
    query: ColorSchemeQuery | null = globalThis.matchMedia?.('(prefers-color-scheme: dark)') ?? null,
  ) {
    this.#preferences = preferences;
    this.#query = query;
    this.systemPrefersDark = query?.matches ?? false;
    query?.addEventListener('change', this.#onChange);
  }

  get resolved(): ResolvedTheme {
    return resolveTheme(this.#preferences.theme, this.systemPrefersDark);
  }

  /** Puts the resolved theme on the root element (theme.css keys on data-theme). */
  applyTo(root: HTMLElement): void {
    root.dataset.theme = this.resolved;
  }

  dispose(): void {
    this.#query?.removeEventListener('change', this.#onChange);
  }
}
