/** Interface preferences as stored, and the theme they resolve to (pure, so tests pin them). */

export type ThemePreference = 'system' | 'light' | 'dark';

export interface PreferenceValues {
  readonly theme: ThemePreference;
  /** Show desktop notifications for new messages. */
  readonly notifications: boolean;
  /** Put the message text in notifications (off: "New message"). */
  readonly notificationPreviews: boolean;
  /** The conversation list's width in px, as the user last dragged it (SIDEBAR_WIDTH bounds it). */
  readonly sidebarWidth: number;
}

/** The conversation list's width (UI.md: resizable, 280-420 px). */
export const SIDEBAR_WIDTH = { min: 280, max: 420, initial: 320 } as const;

/** A stored width within SIDEBAR_WIDTH, whole pixels; anything else is `fallback`. */
function sidebarWidth(value: unknown, fallback: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.round(Math.min(SIDEBAR_WIDTH.max, Math.max(SIDEBAR_WIDTH.min, value)));
}

export const PREFERENCES_STORAGE_KEY = 'parley.preferences';

const THEMES: readonly ThemePreference[] = ['system', 'light', 'dark'];

/** Reads stored preferences, tolerating anything (a missing, old or hand-edited entry). */
export function parsePreferences(text: string | null, defaults: PreferenceValues): PreferenceValues {
  if (text === null) return defaults;
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch {
    return defaults;
  }
  if (typeof stored !== 'object' || stored === null) return defaults;
  const record = stored as Record<string, unknown>;
  const theme = THEMES.find((value) => value === record.theme) ?? defaults.theme;
  const flag = (value: unknown, fallback: boolean) => (typeof value === 'boolean' ? value : fallback);
  return {
    theme,
    notifications: flag(record.notifications, defaults.notifications),
    notificationPreviews: flag(record.notificationPreviews, defaults.notificationPreviews),
    sidebarWidth: sidebarWidth(record.sidebarWidth, defaults.sidebarWidth),
  };
}

export type ResolvedTheme = 'light' | 'dark';

export function resolveTheme(preference: ThemePreference, systemPrefersDark: boolean): ResolvedTheme {
  if (preference === 'system') return systemPrefersDark ? 'dark' : 'light';
  return preference;
}
