/** One open conversation: header, history, typing indicator, composer. */
import type { Locator, Page } from '@playwright/test';
import { ui } from '../ui-expect.js';

export type OutgoingState = 'sending' | 'sent' | 'delivered' | 'read' | 'failed';

export class ChatView {
  constructor(
    readonly page: Page,
    /** The conversation's name, shown as the header's level-2 heading. */
    readonly name: string,
  ) {}

  get heading(): Locator {
    return this.page.getByRole('heading', { level: 2, name: this.name, exact: true });
  }

  get safetyNumberButton(): Locator {
    return this.page.getByRole('button', { name: 'Safety number', exact: true });
  }

  get verifiedBadge(): Locator {
    return this.page.getByTestId('verified-badge');
  }

  get history(): Locator {
    return this.page.getByRole('list', { name: 'Messages', exact: true });
  }

  get messages(): Locator {
    return this.history.getByTestId('message');
  }

  get outgoing(): Locator {
    return this.history.locator('[data-testid="message"][data-direction="outgoing"]');
  }

  get incoming(): Locator {
    return this.history.locator('[data-testid="message"][data-direction="incoming"]');
  }

  /** Under a message request, in place of the composer. */
  get requestBar(): Locator {
    return this.page.getByRole('region', { name: 'Message request', exact: true });
  }

  requestAction(action: 'Accept' | 'Delete' | 'Block'): Locator {
    return this.requestBar.getByRole('button', { name: action, exact: true });
  }

  /** The dialog that asks before Delete or Block; its confirming button has the action's name. */
  confirmation(action: 'Delete' | 'Block'): Locator {
    return this.page.getByRole('dialog').getByRole('button', { name: action, exact: true });
  }

  /** In place of the composer while the contact is blocked. */
  get blockedNotice(): Locator {
    return this.page.getByRole('status').filter({ hasText: 'You blocked' });
  }

  /** A group's header: "3 members". */
  get memberCount(): Locator {
    return this.page
      .getByRole('region', { name: `Conversation with ${this.name}`, exact: true })
      .getByTestId('member-count');
  }

  get groupInfoButton(): Locator {
    return this.page.getByRole('button', { name: 'Group info', exact: true });
  }

  /** A group's timeline line (joined, renamed, removed, …), centred in the history. */
  timeline(text: string): Locator {
    return this.history.getByTestId('group-event').filter({ hasText: text });
  }

  /** The sender's name above a group message (others' messages, first of a run). */
  sender(text: string): Locator {
    return this.message(text).getByTestId('message-sender');
  }

  /** An own message's delivery state in words ("Read by 2 of 2"): its icon's accessible name. */
  delivery(text: string): Locator {
    return this.message(text).getByRole('img');
  }

  /** In place of the composer once we left or were removed from a group. */
  get notAMember(): Locator {
    return this.page.getByTestId('not-a-member');
  }

  get typingIndicator(): Locator {
    return this.page.getByTestId('typing-indicator');
  }

  get composer(): Locator {
    return this.page.getByRole('textbox', { name: 'Message', exact: true });
  }

  /** In place of the composer when another install took this identity over. */
  get takenOverNotice(): Locator {
    return this.page.getByTestId('taken-over-notice');
  }

  get sendButton(): Locator {
    return this.page.getByRole('button', { name: 'Send', exact: true });
  }

  /** The row of the message whose text is exactly `text`. */
  message(text: string): Locator {
    return this.messages.filter({ has: this.page.getByTestId('message-text').getByText(text, { exact: true }) });
  }

  /** The texts of the history, top to bottom. */
  async texts(): Promise<string[]> {
    return this.messages.getByTestId('message-text').allInnerTexts();
  }

  async outgoingStates(texts: readonly string[]): Promise<(string | null)[]> {
    return Promise.all(texts.map((text) => this.message(text).getAttribute('data-state')));
  }

  /**
   * Puts the text in the composer and presses Enter (Enter sends), then waits
   * as a person would: until the text has left the box and shows in the
   * history. (The composer ignores Enter while the previous message is still
   * being stored; writing the next one before that would replace it unsent.)
   */
  async write(text: string): Promise<void> {
    await this.composer.fill(text);
    await this.composer.press('Enter');
    await ui(this.composer).toHaveValue('');
    await ui(this.message(text)).toHaveCount(1);
  }
}
