/** The main window around the panes: account header, filter, conversation list, connection bar. */
import type { Locator, Page } from '@playwright/test';

export function startsWith(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
}

export class MainWindow {
  constructor(readonly page: Page) {}

  get settingsButton(): Locator {
    return this.page.getByRole('button', { name: 'Settings', exact: true });
  }

  get addContactButton(): Locator {
    return this.page.getByRole('button', { name: 'Add contact', exact: true });
  }

  get newGroupButton(): Locator {
    return this.page.getByRole('button', { name: 'New group', exact: true });
  }

  get ownContactCodeButton(): Locator {
    return this.page.getByRole('button', { name: 'Your contact code', exact: true });
  }

  get filter(): Locator {
    return this.page.getByRole('searchbox', { name: 'Filter conversations', exact: true });
  }

  get conversations(): Locator {
    return this.page.getByRole('listbox', { name: 'Conversations', exact: true });
  }

  get connectionBanner(): Locator {
    return this.page.getByTestId('connection-banner');
  }

  /** The account header's status ("Online", "Offline", ...) beside the short account id. */
  get connectionStatus(): Locator {
    return this.page.getByTestId('connection-status');
  }

  /** "Message requests" above the chats, with the number waiting, while any wait. */
  get requestsEntry(): Locator {
    return this.page.getByRole('button', { name: /^Message requests/ });
  }

  /** The list of message requests, shown instead of the chats after the entry is clicked. */
  get requests(): Locator {
    return this.page.getByRole('listbox', { name: 'Message requests', exact: true });
  }

  /** A conversation's item: its accessible name starts with the conversation's name. */
  conversation(name: string): Locator {
    return this.conversations.getByRole('option', { name: startsWith(name) });
  }

  unreadCount(name: string): Locator {
    return this.conversation(name).getByTestId('unread-count');
  }

  preview(name: string): Locator {
    return this.conversation(name).getByTestId('conversation-preview');
  }
}

/** The dialog behind "Your contact code" in the account header. */
export class OwnContactCodeDialog {
  constructor(readonly page: Page) {}

  get code(): Locator {
    return this.page.getByTestId('own-contact-code');
  }

  get copyButton(): Locator {
    return this.page.getByRole('button', { name: 'Copy contact code', exact: true });
  }

  get qr(): Locator {
    return this.page.getByRole('img', { name: 'QR code of your contact code', exact: true });
  }

  get closeButton(): Locator {
    return this.page.getByRole('button', { name: 'Close', exact: true });
  }
}
