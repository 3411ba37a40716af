/**
 * Which actions a message offers (the hover toolbar, the right-click menu
 * and the keyboard all use this list), and the small reaction set. Edit and
 * delete for everyone: own texts within the window the protocol documents
 * (docs/protocol.md §6, Conversation features); react, edit and delete for
 * everyone in direct conversations only (groups get them later).
 */
import { DELETE_FOR_EVERYONE_WINDOW_MS, EDIT_WINDOW_MS, MAX_EDITS } from '@parley/crypto-core/content';
import type { MessageView } from '../../engine/queries.js';

/** The reactions offered on every message (as in Signal's default set). */
export const REACTION_EMOJI = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const;

export type MessageAction =
  | 'reply'
  | 'react'
  | 'copy'
  | 'edit'
  | 'history'
  | 'delete-for-me'
  | 'delete-for-everyone'
  | 'info';

export const ACTION_LABELS: Readonly<Record<MessageAction, string>> = {
  reply: 'Reply',
  react: 'React',
  copy: 'Copy text',
  edit: 'Edit',
  history: 'Edit history',
  'delete-for-me': 'Delete for me',
  'delete-for-everyone': 'Delete for everyone',
  info: 'Info',
};

export interface ActionContext {
  readonly now: number;
  /** A direct conversation (reactions, edits and deletes for everyone are sent there only). */
  readonly direct: boolean;
  /** Sending is possible (not a copy another install took over, not a blocked contact or a request). */
  readonly canSend: boolean;
}

/** The actions `message` offers, in menu order; none for notices. */
export function availableActions(message: MessageView, context: ActionContext): MessageAction[] {
  if (message.kind !== 'text') return message.kind === 'unsupported' ? ['delete-for-me', 'info'] : [];
  const own = message.direction === 'outgoing';
  const age = context.now - message.sentAt;
  const live = !message.deleted;
  const actions: MessageAction[] = [];
  if (live && context.canSend) actions.push('reply');
  if (live && context.canSend && context.direct) actions.push('react');
  if (live && message.body !== null) actions.push('copy');
  const editable = own && live && context.canSend && context.direct && message.state !== 'failed';
  if (editable && age <= EDIT_WINDOW_MS && message.edits.length < MAX_EDITS) actions.push('edit');
  if (message.edited) actions.push('history');
  actions.push('delete-for-me');
  if (editable && age <= DELETE_FOR_EVERYONE_WINDOW_MS) actions.push('delete-for-everyone');
  actions.push('info');
  return actions;
}

/** What the row's callbacks do (ChatView implements them). */
export interface RowActions {
  /** Opens the menu for `message` at a point (right-click, the "More" button, the keyboard). */
  openMenu(message: MessageView, at: { x: number; y: number }, mode: 'menu' | 'react'): void;
  /** Picks a reaction from the toolbar's quick set (null: remove ours). */
  react(message: MessageView, emoji: string | null): void;
  reply(message: MessageView): void;
  /** Scrolls to the quoted message, loading history as needed. */
  jumpTo(messageId: string): void;
  showHistory(message: MessageView): void;
}
