/**
 * POST /v1/messages: sends from senders on other relays, with no token, the
 * recipient's access key as the only capability, sealed messages only. The
 * envelopes reach a connected recipient live and are queued for an offline
 * one, exactly as socket sends; refusals say nothing about whether an
 * account exists; the per-key send rate and byte quota hold; and the relay
 * logs nothing about the sender.
 */
import { MAX_ENVELOPE_CONTENT_BYTES, parseWire, sendAcceptedResponseSchema } from '@parley/crypto-core/wire';
import {
  connect,
  errorOf,
  httpOf,
  labelOf,
  newAccessKey,
  payload,
  postMessages,
  type RelayHttp,
  RelayProcess,
  registerAccessKeys,
  registerDevice,
  sealedSend,
} from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let relay: RelayProcess;
let http: RelayHttp;

beforeAll(async () => {
  relay = await RelayProcess.start({
    args: ['--auth-burst', '500', '--access-send-burst', '5', '--access-send-rate', '0.01'],
  });
  http = httpOf(relay);
});

afterAll(async () => {
  await relay?.dispose();
});

describe('delivery', () => {
  it('delivers to a connected recipient at once and queues for an offline one, with no source', async () => {
    const online = await registerDevice(http);
    const onlineKeys = await registerAccessKeys(http, online.token);
    const inbox = await connect(relay, online.token);
    try {
      const result = await postMessages(http, sealedSend(online.device.accountId, onlineKeys.codeKey, 'live'));
      expect(result.status).toBe(200);
      const accepted = parseWire(sendAcceptedResponseSchema, result.body, 'send answer');
      expect(accepted.envelopeIds).toHaveLength(1);
      await inbox.waitFor(() => inbox.received.length === 1, 10_000, 'the live envelope');
      expect(inbox.received[0]).toMatchObject({ id: accepted.envelopeIds[0], type: 'sealed', destinationDeviceId: 1 });
      expect(inbox.received[0]?.source).toBeUndefined();
      expect(labelOf(inbox.received[0]?.content ?? '')).toBe('live');

      // Typing: pushed to the online device, never stored.
      const typing = await postMessages(http, {
        ...sealedSend(online.device.accountId, onlineKeys.contactKey, 'typing'),
        ephemeral: true,
      });
      expect(typing.status).toBe(200);
      await inbox.waitFor(() => inbox.received.length === 2, 10_000, 'the ephemeral envelope');
      expect(inbox.received[1]).toMatchObject({ ephemeral: true });
    } finally {
      inbox.close();
    }

    const offline = await registerDevice(http);
    const offlineKeys = await registerAccessKeys(http, offline.token);
    const queued = await postMessages(http, sealedSend(offline.device.accountId, offlineKeys.contactKey, 'queued'));
    expect(queued.status).toBe(200);
    const later = await connect(relay, offline.token);
    try {
      await later.waitFor(() => later.queueEmptyCount === 1, 10_000, 'the drain');
      expect(later.received.map((envelope) => labelOf(envelope.content))).toEqual(['queued']);
    } finally {
      later.close();
    }
  });

  it('answers DEVICE_MISMATCH for a send that does not address the recipient’s devices', async () => {
    const bob = await registerDevice(http);
    const keys = await registerAccessKeys(http, bob.token);
    const result = await postMessages(http, {
      recipient: bob.device.accountId,
      accessKey: keys.codeKey,
      messages: [{ deviceId: 2, type: 'sealed', content: payload('nowhere') }],
    });
    expect(result.status).toBe(409);
    expect(errorOf(result)).toMatchObject({ code: 'DEVICE_MISMATCH', missingDevices: [1], extraDevices: [2] });
  });

  it('takes the largest send, sixteen devices at the largest envelope, above the 1 MiB other bodies may be', async () => {
    const first = await registerDevice(http, { preKeys: 1, kyberPreKeys: 1 });
    const identity = first.device.identity;
    for (let deviceId = 2; deviceId <= 16; deviceId++) {
      await registerDevice(http, { identity, deviceId, preKeys: 1, kyberPreKeys: 1 });
    }
    const keys = await registerAccessKeys(http, first.token);
    const result = await postMessages(http, {
      recipient: first.device.accountId,
      accessKey: keys.contactKey,
      messages: Array.from({ length: 16 }, (_, index) => ({
        deviceId: index + 1,
        type: 'sealed',
        content: payload(`device ${index + 1}`, MAX_ENVELOPE_CONTENT_BYTES),
      })),
    });
    expect(result.status).toBe(200);
    expect(parseWire(sendAcceptedResponseSchema, result.body, 'send answer').envelopeIds).toHaveLength(16);
  });
});

describe('refusals', () => {
  it('refuses a send without a key, or with anything but sealed messages, as BAD_REQUEST', async () => {
    const bob = await registerDevice(http);
    const keys = await registerAccessKeys(http, bob.token);
    const noKey = await postMessages(http, sealedSend(bob.device.accountId, undefined, 'no key'));
    expect(noKey.status).toBe(400);
    expect(errorOf(noKey)).toMatchObject({ code: 'BAD_REQUEST' });
    expect(errorOf(noKey).message).toContain('accessKey');
    for (const type of ['message', 'prekey'] as const) {
      const unsealed = await postMessages(http, {
        recipient: bob.device.accountId,
        accessKey: keys.codeKey,
        messages: [{ deviceId: 1, type, content: payload('names a sender') }],
      });
      expect(unsealed.status).toBe(400);
      expect(errorOf(unsealed).code).toBe('BAD_REQUEST');
    }
  });

  it('answers a wrong key, an account without keys and an unknown account the same: 401 ACCESS_DENIED', async () => {
    const bob = await registerDevice(http);
    await registerAccessKeys(http, bob.token);
    const legacy = await registerDevice(http);
    const wrong = await postMessages(http, sealedSend(bob.device.accountId, newAccessKey(), 'wrong'));
    const withoutKeys = await postMessages(http, sealedSend(legacy.device.accountId, newAccessKey(), 'legacy'));
    const unknown = await postMessages(http, sealedSend('b'.repeat(32), newAccessKey(), 'nobody'));
    for (const refused of [wrong, withoutKeys, unknown]) {
      expect(refused.status).toBe(401);
      expect(errorOf(refused).code).toBe('ACCESS_DENIED');
      expect(refused.body).toEqual(wrong.body);
    }
    // An account that predates access keys stays reachable by authenticated senders only.
    const alice = await registerDevice(http);
    const socket = await connect(relay, alice.token);
    try {
      const viaSocket = await socket.send(sealedSend(legacy.device.accountId, undefined, 'as today'));
      expect(viaSocket).toMatchObject({ ok: true });
    } finally {
      socket.close();
    }
  });

  it('ignores a bearer token: the key is the only capability', async () => {
    const bob = await registerDevice(http);
    const alice = await registerDevice(http);
    const result = await http.request('/v1/messages', {
      body: sealedSend(bob.device.accountId, newAccessKey(), 'token'),
      token: alice.token,
    });
    expect(errorOf(result).code).toBe('ACCESS_DENIED');
  });
});

describe('limits', () => {
  it('limits sends per access key, each key of an account on its own', async () => {
    const bob = await registerDevice(http);
    const keys = await registerAccessKeys(http, bob.token);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await postMessages(http, sealedSend(bob.device.accountId, keys.codeKey, `c${i}`))).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await postMessages(http, sealedSend(bob.device.accountId, keys.codeKey, 'again'));
    expect(errorOf(limited)).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await postMessages(http, sealedSend(bob.device.accountId, keys.contactKey, 'other key'))).status).toBe(200);
  });

  it('logs no client address for these requests', async () => {
    const lines = relay.logLines().filter((line) => line.route === '/v1/messages');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.stringify(line)).not.toContain('127.0.0.1');
  });
});

describe('daily quota per access key', () => {
  let quotaRelay: RelayProcess;
  beforeAll(async () => {
    // The smallest quota the relay takes: 1280 KiB, sixteen of the largest envelopes.
    quotaRelay = await RelayProcess.start({ args: ['--access-daily-quota', '1280KiB'] });
  });
  afterAll(async () => {
    await quotaRelay?.dispose();
  });

  it('counts the bytes against the recipient’s key, not any account, and refuses past it', async () => {
    const quotaHttp = httpOf(quotaRelay);
    const bob = await registerDevice(quotaHttp);
    const keys = await registerAccessKeys(quotaHttp, bob.token);
    const largest = (label: string) => payload(label, MAX_ENVELOPE_CONTENT_BYTES);
    const send = (key: string, label: string) =>
      postMessages(quotaHttp, {
        recipient: bob.device.accountId,
        accessKey: key,
        messages: [{ deviceId: 1, type: 'sealed', content: largest(label) }],
      });
    for (let i = 0; i < 16; i++) expect((await send(keys.codeKey, `fill ${i}`)).status).toBe(200);
    const refused = await send(keys.codeKey, 'one too many');
    expect(refused.status).toBe(429);
    expect(errorOf(refused)).toMatchObject({ code: 'QUOTA_EXCEEDED', retryAfter: expect.any(Number) });
    // The contact key has its own quota.
    expect((await send(keys.contactKey, 'other key')).status).toBe(200);
  });
});
