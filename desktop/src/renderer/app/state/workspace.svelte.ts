/**
 * What the main window shows: the open conversation, the settings panel and
 * the one dialog on top (add contact, own contact code, contact page,
 * removing a copy another install took over, a new group, a group's info).
 */
import type { AccountId } from '@parley/crypto-core/wire';

export type WorkspaceDialog =
  | { readonly kind: 'add-contact' }
  | { readonly kind: 'own-code' }
  | { readonly kind: 'contact'; readonly accountId: AccountId }
  | { readonly kind: 'remove-copy' }
  | { readonly kind: 'new-group' }
  | { readonly kind: 'group-info'; readonly groupId: string };

export class Workspace {
  openConversationId = $state<string | null>(null);
  settingsOpen = $state(false);
  dialog = $state<WorkspaceDialog | null>(null);

  openConversation(conversationId: string): void {
    this.openConversationId = conversationId;
    this.settingsOpen = false;
  }

  closeConversation(): void {
    this.openConversationId = null;
  }

  showDialog(dialog: WorkspaceDialog): void {
    this.dialog = dialog;
  }

  closeDialog(): void {
    this.dialog = null;
  }
}
