/** "Contact": the safety number, its QR code and the Verified switch. */
import type { Locator, Page } from '@playwright/test';

export class ContactDialog {
  constructor(readonly page: Page) {}

  get dialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Contact', exact: true });
  }

  get safetyNumber(): Locator {
    return this.dialog.getByTestId('safety-number');
  }

  get safetyNumberQr(): Locator {
    return this.dialog.getByRole('img', { name: 'Safety number QR code', exact: true });
  }
  // A checkbox or a switch: both are found by their label.
  get verified(): Locator {
    return this.dialog.getByLabel('Verified', { exact: true });
  }

  get closeButton(): Locator {
    return this.dialog.getByRole('button', { name: 'Close', exact: true });
  }
}
