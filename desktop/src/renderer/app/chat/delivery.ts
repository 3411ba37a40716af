/** How an own message's delivery state is shown: an icon and the words for its tooltip and screen readers. */
import type { MessageState } from '../../engine/records.js';

export type DeliveryIcon = 'clock' | 'check' | 'double-check' | 'double-check-filled' | 'exclamation';

export interface DeliveryDisplay {
  readonly icon: DeliveryIcon;
  readonly label: string;
}

const DISPLAY: Record<MessageState, DeliveryDisplay> = {
  sending: { icon: 'clock', label: 'Sending' },
  sent: { icon: 'check', label: 'Sent' },
  delivered: { icon: 'double-check', label: 'Delivered' },
  read: { icon: 'double-check-filled', label: 'Read' },
  failed: { icon: 'exclamation', label: 'Not sent' },
};

export function deliveryDisplay(state: MessageState): DeliveryDisplay {
  return DISPLAY[state];
}

/**
 * The state an own message shows: with read receipts off the user sees no
 * one's read state (as in Signal), so "read" shows as "delivered".
 */
export function shownState(state: MessageState, showRead: boolean): MessageState {
  return state === 'read' && !showRead ? 'delivered' : state;
}
