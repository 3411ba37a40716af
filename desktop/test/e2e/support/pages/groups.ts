/** The group screens: "New group", the invitation in place of the composer, and Group info. */
import type { Locator, Page } from '@playwright/test';

export class NewGroupDialog {
  constructor(readonly page: Page) {}

  get dialog(): Locator {
    return this.page.getByRole('dialog', { name: 'New group', exact: true });
  }

  get nameField(): Locator {
    return this.dialog.getByRole('textbox', { name: 'Group name', exact: true });
  }

  get contactFilter(): Locator {
    return this.dialog.getByRole('searchbox', { name: 'Find contacts', exact: true });
  }

  /** The checkbox of one contact. */
  contact(name: string): Locator {
    return this.dialog.getByRole('checkbox', { name, exact: true });
  }

  get contacts(): Locator {
    return this.dialog.getByRole('list', { name: 'Contacts', exact: true }).getByRole('checkbox');
  }

  get createButton(): Locator {
    return this.dialog.getByRole('button', { name: 'Create group', exact: true });
  }
}

/** In place of the composer while invited. */
export class GroupInvitation {
  constructor(readonly page: Page) {}

  get region(): Locator {
    return this.page.getByRole('region', { name: 'Group invitation', exact: true });
  }

  get members(): Locator {
    return this.region.getByTestId('invitation-members');
  }

  action(name: 'Accept' | 'Decline'): Locator {
    return this.region.getByRole('button', { name, exact: true });
  }

  /** The dialog that asks before Decline. */
  get confirmDecline(): Locator {
    return this.page.getByRole('dialog').getByRole('button', { name: 'Decline', exact: true });
  }
}

export class GroupInfoDialog {
  constructor(readonly page: Page) {}

  get dialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Group info', exact: true });
  }

  get nameField(): Locator {
    return this.dialog.getByRole('textbox', { name: 'Group name', exact: true });
  }

  get renameButton(): Locator {
    return this.dialog.getByRole('button', { name: 'Rename', exact: true });
  }

  get members(): Locator {
    return this.dialog.getByRole('list', { name: 'Members', exact: true }).getByTestId('group-member');
  }

  member(name: string): Locator {
    return this.members.filter({ hasText: name });
  }

  removeButton(name: string): Locator {
    return this.dialog.getByRole('button', { name: `Remove ${name}`, exact: true });
  }

  makeAdminButton(name: string): Locator {
    return this.dialog.getByRole('button', { name: `Make ${name} an admin`, exact: true });
  }

  get addMembersButton(): Locator {
    return this.dialog.getByRole('button', { name: 'Add members', exact: true });
  }

  /** The contacts "Add members" offers (checkboxes). */
  get contacts(): Locator {
    return this.dialog.getByRole('list', { name: 'Contacts', exact: true }).getByRole('checkbox');
  }

  contact(name: string): Locator {
    return this.dialog.getByRole('checkbox', { name, exact: true });
  }

  get inviteButton(): Locator {
    return this.dialog.getByRole('button', { name: 'Invite', exact: true });
  }

  get leaveButton(): Locator {
    return this.dialog.getByRole('button', { name: 'Leave group…', exact: true });
  }

  /** The confirmation over the panel; its confirming button has the action's name. */
  confirmation(action: string): Locator {
    return this.page.getByRole('dialog').last().getByRole('button', { name: action, exact: true });
  }

  get closeButton(): Locator {
    return this.dialog.getByRole('button', { name: 'Close', exact: true });
  }
}
