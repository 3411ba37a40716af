/**
 * Hostile and broken input against a real relay. Each case gets its clear
 * error code; nothing malformed is stored (the victim's queue holds exactly
 * the valid envelopes at the end); and another client keeps sending and
 * receiving throughout (a background conversation that must never fail).
 * Forged and foreign tokens are in bad-tokens.test.ts.
 */
import { errorResponseSchema, parseWire, routes } from '@parley/crypto-core/wire';
import {
  connect,
  type DeviceSocket,
  errorOf,
  httpOf,
  labelOf,
  payload,
  type RegisteredDevice,
  type RelayHttp,
  RelayProcess,
  registerDevice,
  DeviceSocket as Socket,
  TestDevice,
} from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bystanders, startBystanders } from './bystanders.js';
import { postChunked, postDeclaringLength, type RawAnswer } from './raw-http.js';

let relay: RelayProcess;
let http: RelayHttp;
let alice: RegisteredDevice;
let bob: RegisteredDevice;
let aliceSocket: DeviceSocket;
/** Background conversation between two bystanders; must keep working. */
let bystanders: Bystanders;

beforeAll(async () => {
  relay = await RelayProcess.start({
    args: [
      '--trust-proxy',
      // Behind a proxy the default is invite-only; these tests register freely.
      '--registration',
      'open',
      '--auth-burst',
      '100',
      '--send-burst',
      '40',
      '--send-rate',
      '5',
      '--max-envelope-size',
      '4KiB',
    ],
  });
  http = httpOf(relay);
  alice = await registerDevice(http);
  bob = await registerDevice(http);
  aliceSocket = await connect(relay, alice.token);
  bystanders = await startBystanders(relay, http);
});

afterAll(async () => {
  aliceSocket?.close();
  await relay?.dispose();
});

describe('HTTP bodies', () => {
  it('refuses malformed JSON with BAD_REQUEST', async () => {
    const result = await http.request(routes.challenge, { rawBody: '{"accountId": ' });
    expect(result.status).toBe(400);
    expect(errorOf(result).code).toBe('BAD_REQUEST');
  });

  it('refuses an oversized body with PAYLOAD_TOO_LARGE from its declared length alone', async () => {
    // Declares 1.1 MB but sends only the first 64 KiB: the relay must answer
    // without reading the rest. (Sending it all raced the relay's early 413
    // and close against the client's writes: EPIPE on a busy machine.)
    const result = await postDeclaringLength(
      `${relay.url}${routes.challenge}`,
      1_100_000,
      `{"x":"${'a'.repeat(65_536)}`,
    );
    expect(result.status).toBe(413);
    expect(parseWire(errorResponseSchema, result.body, 'error response').error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses an oversized chunked body (no declared length) with PAYLOAD_TOO_LARGE in the wire shape', async () => {
    // Up to 1.25 MiB; the relay answers once it has read 1 MiB, then closes. Bytes still in
    // flight then reset the connection, which may discard the answer on the way: so up to
    // five tries, every answer must be the refusal, and at least one must arrive.
    const answers: RawAnswer[] = [];
    for (let attempt = 0; attempt < 5 && answers.length === 0; attempt++) {
      const result = await postChunked(`${relay.url}${routes.challenge}`, 20).catch(() => null);
      if (result !== null) answers.push(result);
    }
    expect(answers.length).toBeGreaterThan(0);
    for (const result of answers) {
      expect(result.status).toBe(413);
      expect(parseWire(errorResponseSchema, result.body, 'error response').error.code).toBe('PAYLOAD_TOO_LARGE');
    }
  });

  it('refuses a body that is not JSON with 415 BAD_REQUEST', async () => {
    const result = await http.request(routes.challenge, { rawBody: 'hello', contentType: 'text/csv' });
    expect(result.status).toBe(415);
    expect(errorOf(result).code).toBe('BAD_REQUEST');
  });

  it('refuses wrong types and names the field', async () => {
    const result = await http.request(routes.challenge, { body: { accountId: alice.device.accountId, deviceId: '1' } });
    expect(result.status).toBe(400);
    const error = errorOf(result);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('deviceId');
  });

  it('refuses unknown fields and names them', async () => {
    const result = await http.request(routes.challenge, {
      body: { accountId: alice.device.accountId, deviceId: 1, admin: true },
    });
    expect(result.status).toBe(400);
    expect(errorOf(result).message).toContain('admin');
  });

  it('answers unknown routes with NOT_FOUND in the same error shape', async () => {
    const result = await http.request('/v1/nope');
    expect(result.status).toBe(404);
    expect(errorOf(result).code).toBe('NOT_FOUND');
  });

  it('refuses a bundle path that is not an account id', async () => {
    const result = await http.request(`${routes.bundles}/not-an-id`, { token: alice.token });
    expect(result.status).toBe(400);
    expect(errorOf(result).code).toBe('BAD_REQUEST');
    const device = await http.request(`${routes.bundles}/${bob.device.accountId}/999`, { token: alice.token });
    expect(errorOf(device).code).toBe('BAD_REQUEST');
  });
});

describe('registration and challenges', () => {
  it('refuses a challenge signature by another key with INVALID_SIGNATURE', async () => {
    const device = await TestDevice.create();
    const impostor = await TestDevice.create();
    const { challenge } = await http.challenge(device);
    const body = {
      ...device.registerRequest(challenge, http.relayUrl),
      signature: impostor.signChallenge('register', challenge, http.relayUrl),
    };
    const result = await http.request(routes.accounts, { body });
    expect(result.status).toBe(401);
    expect(errorOf(result).code).toBe('INVALID_SIGNATURE');
  });

  it('refuses a login signature used to register (domain separation)', async () => {
    const device = await TestDevice.create();
    const { challenge } = await http.challenge(device);
    const body = {
      ...device.registerRequest(challenge, http.relayUrl),
      signature: device.signChallenge('token', challenge, http.relayUrl),
    };
    expect(errorOf(await http.request(routes.accounts, { body })).code).toBe('INVALID_SIGNATURE');
  });

  it('refuses forged signed-prekey and Kyber-prekey signatures, naming the key', async () => {
    const device = await TestDevice.create();
    const other = await TestDevice.create();
    let { challenge } = await http.challenge(device);
    const forgedSigned = { ...device.registerRequest(challenge, http.relayUrl), signedPreKey: other.signedPreKey.wire };
    const signedResult = await http.request(routes.accounts, { body: forgedSigned });
    expect(errorOf(signedResult)).toMatchObject({ code: 'INVALID_SIGNATURE' });
    expect(errorOf(signedResult).message).toContain('signedPreKey');

    ({ challenge } = await http.challenge(device));
    const request = device.registerRequest(challenge, http.relayUrl);
    // Another identity's key under a fresh id (ids name a key once per upload).
    const forgedKey = { ...other.kyberPreKeys[0]?.wire, keyId: 999 };
    const forgedKyber = { ...request, kyberPreKeys: [...(request.kyberPreKeys ?? []), forgedKey] };
    const kyberResult = await http.request(routes.accounts, { body: forgedKyber });
    expect(errorOf(kyberResult).code).toBe('INVALID_SIGNATURE');
    expect(errorOf(kyberResult).message).toContain('kyberPreKeys.5');
    // Nothing of the refused registrations was stored.
    expect(errorOf(await http.request(http.bundlesPath(device.accountId), { token: alice.token })).code).toBe(
      'UNKNOWN_ACCOUNT',
    );
  });

  it('refuses an account id that does not commit to the identity key', async () => {
    const device = await TestDevice.create();
    const other = await TestDevice.create();
    const { challenge } = await http.challenge(other);
    const body = { ...device.registerRequest(challenge, http.relayUrl), accountId: other.accountId };
    const result = await http.request(routes.accounts, { body });
    expect(result.status).toBe(400);
    expect(errorOf(result).code).toBe('ACCOUNT_ID_MISMATCH');
  });

  it('refuses a replayed challenge', async () => {
    const { challenge } = await http.challenge(alice.device);
    const body = alice.device.tokenRequest(challenge, http.relayUrl);
    expect((await http.request(routes.token, { body })).status).toBe(200);
    const replay = await http.request(routes.token, { body });
    expect(replay.status).toBe(401);
    expect(errorOf(replay).code).toBe('CHALLENGE_INVALID');
  });

  it("refuses another device's challenge and an invented one", async () => {
    const { challenge } = await http.challenge(bob.device);
    const stolen = alice.device.tokenRequest(challenge, http.relayUrl);
    expect(errorOf(await http.request(routes.token, { body: stolen })).code).toBe('CHALLENGE_INVALID');
    const invented = Buffer.alloc(32, 7).toString('base64');
    const made = {
      ...stolen,
      challenge: invented,
      signature: alice.device.signChallenge('token', invented, http.relayUrl),
    };
    expect(errorOf(await http.request(routes.token, { body: made })).code).toBe('CHALLENGE_INVALID');
  });

  it('limits unauthenticated auth requests per client address', async () => {
    const body = { accountId: alice.device.accountId, deviceId: 1 };
    const headers = { 'x-forwarded-for': '203.0.113.9' };
    let limited: Response | undefined;
    for (let i = 0; i < 150 && limited === undefined; i++) {
      const response = await fetch(`${relay.url}${routes.challenge}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (response.status === 429) limited = response;
      else await response.arrayBuffer();
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    const limitedBody = (await limited?.json()) as { error?: { code?: string } } | undefined;
    expect(limitedBody?.error?.code).toBe('RATE_LIMITED');
    // Other addresses are unaffected.
    expect((await http.request(routes.challenge, { body })).status).toBe(200);
  });
});

describe('socket input', () => {
  it('refuses handshakes without a valid auth payload', async () => {
    const noAuth = Socket.connect(relay.url, '');
    await expect(noAuth).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
    await expect(connect(relay, 'garbage')).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
  });

  it('refuses malformed sends with BAD_REQUEST, naming the problem', async () => {
    const valid = {
      recipient: bob.device.accountId,
      messages: [{ deviceId: 1, type: 'message', content: payload('ok') }],
    };
    const cases: Array<[unknown, string]> = [
      ['just a string', ''],
      [{ ...valid, recipient: 42 }, 'recipient'],
      [{ ...valid, messages: [] }, 'messages'],
      [{ ...valid, messages: [{ deviceId: 1, type: 'telegram', content: payload('x') }] }, 'messages.0.type'],
      [{ ...valid, messages: [{ deviceId: 1, type: 'message', content: 'not base64!' }] }, 'messages.0.content'],
      [{ ...valid, messages: [{ deviceId: 1.5, type: 'message', content: payload('x') }] }, 'messages.0.deviceId'],
      [{ ...valid, messages: [valid.messages[0], valid.messages[0]] }, 'messages'],
      [{ ...valid, priority: 'high' }, 'priority'],
    ];
    for (const [request, field] of cases) {
      const result = await aliceSocket.sendRaw(request);
      expect(result.ok, JSON.stringify(request)).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('BAD_REQUEST');
        expect(result.error.message).toContain(field);
      }
    }
  });

  it('refuses to send as another account: there is no sender field', async () => {
    const result = await aliceSocket.sendRaw({
      recipient: bob.device.accountId,
      source: { accountId: bob.device.accountId, deviceId: 1 },
      messages: [{ deviceId: 1, type: 'message', content: payload('spoofed') }],
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    if (!result.ok) expect(result.error.message).toContain('source');
  });

  it('refuses oversized envelopes with PAYLOAD_TOO_LARGE and closes connections sending oversized frames', async () => {
    const big = await aliceSocket.send({
      recipient: bob.device.accountId,
      messages: [{ deviceId: 1, type: 'message', content: payload('big', 5000) }],
    });
    expect(big).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    // One byte over 4 KiB is as long in base64 as 4 KiB itself: the limit is on decoded bytes.
    const oneOver = await aliceSocket.send({
      recipient: bob.device.accountId,
      messages: [{ deviceId: 1, type: 'message', content: payload('edge', 4097) }],
    });
    expect(oneOver).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });

    const flooder = await registerDevice(http);
    const socket = await connect(relay, flooder.token);
    const frame = socket.sendRaw({ recipient: bob.device.accountId, junk: 'x'.repeat(2 * 1024 * 1024) });
    await expect(frame).rejects.toThrow('disconnected');
    expect(socket.disconnected).toBe(true);
  });

  it('refuses unknown recipients and unknown events', async () => {
    const stranger = await TestDevice.create();
    const result = await aliceSocket.send({
      recipient: stranger.accountId,
      messages: [{ deviceId: 1, type: 'message', content: payload('x') }],
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_ACCOUNT' } });
    (aliceSocket.socket.emit as (event: string, ...args: unknown[]) => void)('read-queue', {
      of: bob.device.accountId,
    });
    await aliceSocket.waitFor(() => aliceSocket.relayErrors.length > 0, 5_000, 'relay-error');
    expect(aliceSocket.relayErrors[0]?.code).toBe('BAD_REQUEST');
  });

  it("never reads or acks another device's queue", async () => {
    const sent = await aliceSocket.send({
      recipient: bob.device.accountId,
      messages: [{ deviceId: 1, type: 'message', content: payload('for-bob-only') }],
    });
    expect(sent.ok).toBe(true);
    const ids = sent.ok ? sent.envelopeIds : [];
    // Alice knows the id (she sent it) and acks it as if it were hers: nothing is deleted.
    expect(await aliceSocket.ack(ids)).toEqual({ ok: true, deleted: 0 });
    expect(await aliceSocket.ackRaw({ envelopeIds: ['not-a-uuid'] })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    expect(aliceSocket.received.map((e) => labelOf(e.content))).not.toContain('for-bob-only');
  });

  it('rate-limits send floods with RATE_LIMITED and retryAfter', async () => {
    const flooder = await registerDevice(http);
    const socket = await connect(relay, flooder.token);
    try {
      const results = await Promise.all(
        Array.from({ length: 80 }, (_, i) =>
          socket.send({
            recipient: bob.device.accountId,
            messages: [{ deviceId: 1, type: 'message', content: payload(`flood${i}`) }],
          }),
        ),
      );
      const limited = results.filter((r) => !r.ok && r.error.code === 'RATE_LIMITED');
      expect(limited.length).toBeGreaterThan(30);
      const first = limited[0];
      if (first !== undefined && !first.ok) expect(first.error.retryAfter).toBeGreaterThan(0);
      // Alice's budget is her own.
      const own = await aliceSocket.send({
        recipient: bob.device.accountId,
        messages: [{ deviceId: 1, type: 'message', content: payload('still-fine') }],
      });
      expect(own.ok).toBe(true);
    } finally {
      socket.close();
    }
  });
});

describe('after all of it', () => {
  it('stored only the valid envelopes, and kept serving the bystanders', async () => {
    const delivered = await bystanders.stop();
    expect(delivered).toBeGreaterThanOrEqual(2);
    const bobSocket = await connect(relay, bob.token);
    try {
      await bobSocket.waitFor(() => bobSocket.queueEmptyCount === 1, 10_000, 'bob drains');
      const labels = bobSocket.received.map((e) => labelOf(e.content));
      const floods = labels.filter((label) => label.startsWith('flood'));
      expect(labels.filter((label) => !label.startsWith('flood'))).toEqual(['for-bob-only', 'still-fine']);
      expect(floods.length).toBeGreaterThan(0);
      expect(floods.length).toBeLessThan(50);
      for (const envelope of bobSocket.received) expect(envelope.source?.deviceId).toBe(1);
    } finally {
      bobSocket.close();
    }
    expect((await http.request(routes.health)).status).toBe(200);
  });
});
