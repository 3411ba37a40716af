/** What relay nodes read from each other's Redis channel: well-formed messages, and anything else ignored. */
import { describe, expect, it } from 'vitest';
import { accountChannel, parseNodeMessage } from '../../src/cluster/node-messages.js';

describe('messages between relay nodes', () => {
  it('reads each kind back as it was sent', () => {
    const error = { code: 'DEVICE_TAKEN_OVER', message: 'another install registered this device' };
    for (const message of [
      { kind: 'wake', node: 'n1', deviceIds: [1, 2] },
      { kind: 'supersede', node: 'n1', deviceId: 1, generation: 'Zw==', error },
      { kind: 'deleted', node: 'n1', reason: 'the account was deleted' },
      { kind: 'prekeys', node: 'n1', deviceId: 3 },
    ]) {
      expect(parseNodeMessage(JSON.stringify(message))).toEqual(message);
    }
  });

  it('ignores what is not one of them: not JSON, no sender, bad device ids, unknown kinds, bad errors', () => {
    for (const text of [
      'not json',
      'null',
      '"wake"',
      JSON.stringify({ kind: 'wake', deviceIds: [1] }),
      JSON.stringify({ kind: 'wake', node: 'n', deviceIds: [0] }),
      JSON.stringify({ kind: 'wake', node: 'n', deviceIds: '1' }),
      JSON.stringify({ kind: 'supersede', node: 'n', deviceId: 1, generation: 'g', error: { code: 'NOPE' } }),
      JSON.stringify({ kind: 'ephemeral', node: 'n', deviceId: 1, envelope: { id: 'x' } }),
      JSON.stringify({ kind: 'shout', node: 'n' }),
    ]) {
      expect(parseNodeMessage(text), text).toBeNull();
    }
  });

  it('names one channel per account under the prefix', () => {
    expect(accountChannel('parley:', 'abc')).toBe('parley:account:abc');
  });
});
