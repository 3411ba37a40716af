import { describe, expect, it } from 'vitest';
import { groupDeliveryLabel } from '../../../src/renderer/app/chat/group-delivery.js';
import type { GroupReceiptsView } from '../../../src/renderer/engine/index.js';

type MemberState = 'sent' | 'delivered' | 'read';

function receipts(...states: MemberState[]): GroupReceiptsView {
  return {
    total: states.length,
    delivered: states.filter((state) => state !== 'sent').length,
    read: states.filter((state) => state === 'read').length,
    members: states.map((state, index) => ({ accountId: `member${index}` as never, state })),
  };
}

describe('group delivery label', () => {
  it('says sending and not sent as for a direct message', () => {
    expect(groupDeliveryLabel('sending', receipts('sent', 'sent'), true)).toBe('Sending');
    expect(groupDeliveryLabel('failed', receipts('delivered'), true)).toBe('Not sent');
  });

  it('counts members who have it and who read it', () => {
    expect(groupDeliveryLabel('sent', receipts('sent', 'sent'), true)).toBe('Sent to 2 members');
    expect(groupDeliveryLabel('sent', receipts('sent'), true)).toBe('Sent to 1 member');
    expect(groupDeliveryLabel('sent', receipts('delivered', 'sent', 'sent'), true)).toBe('Delivered to 1 of 3');
    expect(groupDeliveryLabel('delivered', receipts('delivered', 'read', 'sent'), true)).toBe('Read by 1 of 3');
    expect(groupDeliveryLabel('read', receipts('read', 'read'), true)).toBe('Read by 2 of 2');
  });

  it('with read receipts off, a read counts as delivered', () => {
    expect(groupDeliveryLabel('read', receipts('read', 'read'), false)).toBe('Delivered to 2 of 2');
    expect(groupDeliveryLabel('delivered', receipts('read', 'sent'), false)).toBe('Delivered to 1 of 2');
  });

  it('falls back to the message state while no receipt rows exist', () => {
    expect(groupDeliveryLabel('sent', null, true)).toBe('Sent');
    expect(groupDeliveryLabel('sent', receipts(), true)).toBe('Sent');
  });
});
