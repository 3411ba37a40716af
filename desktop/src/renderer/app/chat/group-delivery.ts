/**
 * How far one of our group messages got, in words (UI.md: "Read by 3 of 5"
 * in message info): from the engine's per-member receipts
 * (`queries.groupReceipts`). Sending and failed say so as for a direct
 * message; once the relay took it, the count of members who read it (read
 * receipts on) or have it.
 */
import type { GroupReceiptsView, MessageState } from '../../engine/index.js';
import { deliveryDisplay } from './delivery.js';

export function groupDeliveryLabel(state: MessageState, receipts: GroupReceiptsView | null, showRead: boolean): string {
  if (state === 'sending' || state === 'failed' || receipts === null || receipts.total === 0) {
    return deliveryDisplay(state).label;
  }
  const { total, delivered, read } = receipts;
  if (showRead && read > 0) return `Read by ${read} of ${total}`;
  if (delivered > 0) return `Delivered to ${delivered} of ${total}`;
  return `Sent to ${total} ${total === 1 ? 'member' : 'members'}`;
}
