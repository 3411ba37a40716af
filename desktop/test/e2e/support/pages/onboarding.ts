/** The first-run flow (welcome -> passphrase -> relay -> contact code) and the unlock screen. */
import type { Locator, Page } from '@playwright/test';

export class OnboardingScreen {
  constructor(readonly page: Page) {}

  get welcomeHeading(): Locator {
    return this.page.getByRole('heading', { name: 'Welcome to Parley', exact: true });
  }

  get createIdentityButton(): Locator {
    return this.page.getByRole('button', { name: 'Create a new identity', exact: true });
  }

  get restoreButton(): Locator {
    return this.page.getByRole('button', { name: 'Restore from a backup', exact: true });
  }
  // Password inputs have no ARIA role: they are found by their label.
  get passphraseField(): Locator {
    return this.page.getByLabel('Passphrase', { exact: true });
  }

  get confirmPassphraseField(): Locator {
    return this.page.getByLabel('Confirm passphrase', { exact: true });
  }

  get continueButton(): Locator {
    return this.page.getByRole('button', { name: 'Continue', exact: true });
  }

  get relayUrlField(): Locator {
    return this.page.getByRole('textbox', { name: 'Relay URL', exact: true });
  }

  get relayCheck(): Locator {
    return this.page.getByTestId('relay-check');
  }

  /** Shown when the relay admits new accounts by invitation only. */
  get inviteCodeField(): Locator {
    return this.page.getByRole('textbox', { name: 'Invite code', exact: true });
  }

  /** The relay step's failure sentence. */
  get error(): Locator {
    return this.page.getByRole('alert');
  }

  get ownContactCode(): Locator {
    return this.page.getByTestId('own-contact-code');
  }

  get copyContactCodeButton(): Locator {
    return this.page.getByRole('button', { name: 'Copy contact code', exact: true });
  }

  get contactCodeQr(): Locator {
    return this.page.getByRole('img', { name: 'QR code of your contact code', exact: true });
  }

  get startMessagingButton(): Locator {
    return this.page.getByRole('button', { name: 'Start messaging', exact: true });
  }
}

export class UnlockScreen {
  constructor(readonly page: Page) {}

  get passphraseField(): Locator {
    return this.page.getByLabel('Passphrase', { exact: true });
  }

  get unlockButton(): Locator {
    return this.page.getByRole('button', { name: 'Unlock', exact: true });
  }

  get error(): Locator {
    return this.page.getByRole('alert');
  }

  /** What the screen says while the vault derives the key (Argon2id takes a few seconds). */
  get progress(): Locator {
    return this.page.getByRole('status').filter({ hasText: 'Unlocking… this takes a few seconds' });
  }
}
