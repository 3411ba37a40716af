/**
 * This device's interface preferences: theme, notifications and the
 * conversation list's width. Kept in
 * localStorage, not in the engine's database, because the theme applies
 * before the vault is unlocked (onboarding, unlock screen) and none of it is
 * secret; per origin, like the engine's IndexedDB.
 */
import {
  PREFERENCES_STORAGE_KEY,
  type PreferenceValues,
  parsePreferences,
  SIDEBAR_WIDTH,
  type ThemePreference,
} from './preference-values.js';

function storageOrNull(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled: preferences last for this session only
  }
}

export class Preferences {
  theme = $state<ThemePreference>('system');
  notifications = $state(false);
  notificationPreviews = $state(true);
  sidebarWidth = $state<number>(SIDEBAR_WIDTH.initial);
  readonly #storage: Storage | null;

  constructor(defaults: PreferenceValues, storage: Storage | null = storageOrNull()) {
    this.#storage = storage;
    let text: string | null = null;
    try {
      text = storage?.getItem(PREFERENCES_STORAGE_KEY) ?? null;
    } catch {
      text = null;
    }
    const values = parsePreferences(text, defaults);
    this.theme = values.theme;
    this.notifications = values.notifications;
    this.notificationPreviews = values.notificationPreviews;
    this.sidebarWidth = values.sidebarWidth;
  }

  update(change: Partial<PreferenceValues>): void {
    if (change.theme !== undefined) this.theme = change.theme;
    if (change.notifications !== undefined) this.notifications = change.notifications;
    if (change.notificationPreviews !== undefined) this.notificationPreviews = change.notificationPreviews;
    if (change.sidebarWidth !== undefined) this.sidebarWidth = change.sidebarWidth;
    const values: PreferenceValues = {
      theme: this.theme,
      notifications: this.notifications,
      notificationPreviews: this.notificationPreviews,
      sidebarWidth: this.sidebarWidth,
    };
    try {
      this.#storage?.setItem(PREFERENCES_STORAGE_KEY, JSON.stringify(values));
    } catch {
      // Full or disabled storage: the choice holds until the page closes.
    }
  }
}
