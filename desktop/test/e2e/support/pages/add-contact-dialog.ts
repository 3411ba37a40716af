/** "Add a contact": paste a contact code, give a name. */
import type { Locator, Page } from '@playwright/test';

export class AddContactDialog {
  constructor(readonly page: Page) {}

  get dialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Add a contact', exact: true });
  }

  get codeField(): Locator {
    return this.dialog.getByRole('textbox', { name: 'Contact code', exact: true });
  }

  get nameField(): Locator {
    return this.dialog.getByRole('textbox', { name: 'Name', exact: true });
  }

  get addButton(): Locator {
    return this.dialog.getByRole('button', { name: 'Add', exact: true });
  }

  get cancelButton(): Locator {
    return this.dialog.getByRole('button', { name: 'Cancel', exact: true });
  }

  get error(): Locator {
    return this.dialog.getByRole('alert');
  }
}
