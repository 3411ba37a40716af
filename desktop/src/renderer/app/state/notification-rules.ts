/** When a new message becomes a desktop notification, and what it says (pure, so tests pin it). */
import { conversationInSight } from '../chat/read-marking.js';
import { withoutBidiControls } from '../common/bidi-text.js';

export interface NotifyDecision {
  readonly enabled: boolean;
  readonly messageConversationId: string;
  readonly openConversationId: string | null;
  readonly pageVisible: boolean;
  readonly windowFocused: boolean;
  /** A dialog or the settings panel covers the open conversation. */
  readonly covered: boolean;
  /** The user muted the message's conversation, and the mute has not ended (engine isMuted). */
  readonly muted: boolean;
  /** The message mentions the user (a group text's @mention): a mute does not silence it. */
  readonly mentionsMe: boolean;
}

/**
 * True unless notifications are off, the conversation is muted (and the
 * message does not mention the user), or the user is reading it (and nothing
 * covers it).
 */
export function shouldNotify(decision: NotifyDecision): boolean {
  if (!decision.enabled || (decision.muted && !decision.mentionsMe)) return false;
  const looking =
    decision.openConversationId === decision.messageConversationId &&
    conversationInSight({
      pageVisible: decision.pageVisible,
      windowFocused: decision.windowFocused,
      covered: decision.covered,
    });
  return !looking;
}

/** Notification text: the conversation's name and the preview (or a neutral line when previews are off), without bidi controls. */
export function notificationText(
  name: string,
  preview: string | null,
  showPreview: boolean,
): { title: string; body: string } {
  return { title: name, body: showPreview && preview !== null ? withoutBidiControls(preview) : 'New message' };
}

/** A message request's notice: who, never what (a stranger's text is not shown before the user opens it). */
export function requestNotificationText(name: string): { title: string; body: string } {
  return { title: 'Message request', body: `${withoutBidiControls(name)} wants to message you` };
}
