/** Settings, a panel over the right pane. */
import type { Locator, Page } from '@playwright/test';

export const SETTINGS_SECTIONS = [
  'Account',
  'Relay',
  'Notifications',
  'Appearance',
  'Backups',
  'Blocked',
  'Privacy & data',
] as const;

export type ThemeChoice = 'System' | 'Light' | 'Dark';

export class SettingsPanel {
  constructor(readonly page: Page) {}

  get dialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Settings', exact: true });
  }

  get themeGroup(): Locator {
    return this.dialog.getByRole('radiogroup', { name: 'Theme', exact: true });
  }

  get desktopNotifications(): Locator {
    return this.dialog.getByRole('checkbox', { name: 'Desktop notifications', exact: true });
  }

  /** Settings → Privacy & data: read receipts on or off. */
  get readReceipts(): Locator {
    return this.dialog.getByRole('checkbox', { name: 'Read receipts', exact: true });
  }

  /** Settings → Privacy & data: typing indicators on or off. */
  get typingIndicators(): Locator {
    return this.dialog.getByRole('checkbox', { name: 'Typing indicators', exact: true });
  }

  /** Settings → Account: the name people you add or accept see. */
  get ownName(): Locator {
    return this.dialog.getByRole('textbox', { name: 'Your name', exact: true });
  }

  get saveProfileButton(): Locator {
    return this.dialog.getByRole('button', { name: 'Save name and picture', exact: true });
  }

  /** Settings → Blocked: the list of blocked accounts. */
  get blockedList(): Locator {
    return this.dialog.getByRole('list', { name: 'Blocked accounts', exact: true });
  }

  unblockButton(name: string): Locator {
    return this.dialog.getByRole('button', { name: `Unblock ${name}`, exact: true });
  }

  get closeButton(): Locator {
    return this.dialog.getByRole('button', { name: 'Close settings', exact: true });
  }

  section(name: (typeof SETTINGS_SECTIONS)[number]): Locator {
    return this.dialog.getByRole('heading', { name, exact: true });
  }

  theme(choice: ThemeChoice): Locator {
    return this.themeGroup.getByRole('radio', { name: choice, exact: true });
  }
}
