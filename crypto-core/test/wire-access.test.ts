/**
 * The access-key shapes (docs/protocol.md §4.7): 16-byte keys, both needed
 * to register, optional on a socket send, and on an unauthenticated send
 * required together with sealed-only messages.
 */
import { describe, expect, it } from 'vitest';
import { toBase64 } from '../src/encoding.js';
import * as wire from '../src/wire/index.js';

const b64 = (length: number, fill = 1) => toBase64(new Uint8Array(length).fill(fill));
const identityKey = new Uint8Array(33).fill(4);
identityKey[0] = 5;
const recipient = wire.accountIdFromIdentityKey(identityKey);
const sealed = (deviceId: number) => ({ deviceId, type: 'sealed' as const, content: b64(40) });

describe('access key schemas', () => {
  it('take exactly 16 bytes of base64 as a key', () => {
    expect(wire.accessKeySchema.safeParse(b64(16)).success).toBe(true);
    for (const bad of [b64(15), b64(17), 'not base64!!']) {
      expect(wire.accessKeySchema.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('register both keys, and nothing else', () => {
    const schema = wire.setAccessKeysRequestSchema;
    expect(schema.safeParse({ codeKey: b64(16, 1), contactKey: b64(16, 2) }).success).toBe(true);
    expect(schema.safeParse({ codeKey: b64(16, 1) }).success).toBe(false);
    expect(schema.safeParse({ codeKey: b64(16, 1), contactKey: b64(16, 2), extra: 1 }).success).toBe(false);
    expect(wire.setAccessKeysResponseSchema.safeParse({ updated: true }).success).toBe(true);
  });

  it('let a socket send carry a key, or none', () => {
    const send = { recipient, messages: [{ deviceId: 1, type: 'message', content: b64(40) }] };
    expect(wire.sendRequestSchema.safeParse(send).success).toBe(true);
    expect(wire.sendRequestSchema.safeParse({ ...send, accessKey: b64(16) }).success).toBe(true);
    expect(wire.sendRequestSchema.safeParse({ ...send, accessKey: b64(8) }).success).toBe(false);
  });

  it('make an unauthenticated send carry a key and sealed messages only, each device once', () => {
    const schema = wire.unauthenticatedSendRequestSchema;
    const send = { recipient, accessKey: b64(16), messages: [sealed(1), sealed(2)] };
    expect(schema.safeParse(send).success).toBe(true);
    expect(schema.safeParse({ ...send, ephemeral: true }).success).toBe(true);
    const { accessKey: _dropped, ...withoutKey } = send;
    expect(schema.safeParse(withoutKey).success).toBe(false);
    for (const type of ['message', 'prekey']) {
      expect(schema.safeParse({ ...send, messages: [sealed(1), { ...sealed(2), type }] }).success, type).toBe(false);
    }
    expect(schema.safeParse({ ...send, messages: [sealed(1), sealed(1)] }).success).toBe(false);
    expect(schema.safeParse({ ...send, source: { accountId: recipient, deviceId: 1 } }).success).toBe(false);
  });

  it('answer an accepted send with its envelope ids', () => {
    const answer = { ok: true, envelopeIds: ['0190a0b0-c0d0-7e0f-8a0b-0c0d0e0f1011'], serverTimestamp: 1 };
    expect(wire.sendAcceptedResponseSchema.safeParse(answer).success).toBe(true);
    expect(
      wire.sendAcceptedResponseSchema.safeParse({ ok: false, error: { code: 'ACCESS_DENIED', message: 'x' } }).success,
    ).toBe(false);
  });
});
