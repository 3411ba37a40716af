/**
 * Access keys on the authenticated routes (docs/protocol.md, "Reaching an
 * account: access keys"): registering them, socket sends that must present
 * one once the recipient registered them, the transition rule for accounts
 * without keys, one's own devices, and bundle fetches with the
 * Parley-Access-Key header, with and without a token.
 */
import { ACCESS_KEY_HEADER, parseWire, preKeyBundlesResponseSchema, routes } from '@parley/crypto-core/wire';
import {
  connect,
  errorOf,
  fetchBundlesWithKey,
  httpOf,
  labelOf,
  newAccessKey,
  payload,
  type RelayHttp,
  RelayProcess,
  registerAccessKeys,
  registerDevice,
} from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let relay: RelayProcess;
let http: RelayHttp;

beforeAll(async () => {
  relay = await RelayProcess.start({
    args: ['--auth-burst', '500', '--access-bundle-burst', '3', '--access-bundle-rate', '0.01'],
  });
  http = httpOf(relay);
});

afterAll(async () => {
  await relay?.dispose();
});

describe('PUT /v1/accounts/me/access-keys', () => {
  it('registers both keys for the token’s account, and refuses what is not two 16-byte keys', async () => {
    const alice = await registerDevice(http);
    const keys = { codeKey: newAccessKey(), contactKey: newAccessKey() };
    const ok = await http.request(routes.accessKeys, { method: 'PUT', body: keys, token: alice.token });
    expect(ok).toMatchObject({ status: 200, body: { updated: true } });

    const short = await http.request(routes.accessKeys, {
      method: 'PUT',
      body: { codeKey: keys.codeKey, contactKey: 'AAAA' },
      token: alice.token,
    });
    expect(short.status).toBe(400);
    expect(errorOf(short).code).toBe('BAD_REQUEST');
    const one = await http.request(routes.accessKeys, {
      method: 'PUT',
      body: { codeKey: keys.codeKey },
      token: alice.token,
    });
    expect(errorOf(one).code).toBe('BAD_REQUEST');
    const anonymous = await http.request(routes.accessKeys, { method: 'PUT', body: keys });
    expect(anonymous.status).toBe(401);
    expect(errorOf(anonymous).code).toBe('UNAUTHORIZED');
  });
});

describe('socket sends', () => {
  it('refuse a send without a key or with a wrong one once the recipient registered keys, and take either key', async () => {
    const bob = await registerDevice(http);
    const alice = await registerDevice(http);
    const keys = await registerAccessKeys(http, bob.token);
    const inbox = await connect(relay, bob.token);
    const socket = await connect(relay, alice.token);
    try {
      const send = (label: string, accessKey?: string) =>
        socket.send({
          recipient: bob.device.accountId,
          messages: [{ deviceId: 1, type: 'message', content: payload(label) }],
          ...(accessKey === undefined ? {} : { accessKey }),
        });
      expect(await send('no key')).toMatchObject({ ok: false, error: { code: 'ACCESS_DENIED' } });
      expect(await send('wrong key', newAccessKey())).toMatchObject({ ok: false, error: { code: 'ACCESS_DENIED' } });
      // Refused whole, ephemeral ones included.
      const typing = await socket.send({
        recipient: bob.device.accountId,
        messages: [{ deviceId: 1, type: 'sealed', content: payload('typing') }],
        ephemeral: true,
      });
      expect(typing).toMatchObject({ ok: false, error: { code: 'ACCESS_DENIED' } });

      expect(await send('with the code key', keys.codeKey)).toMatchObject({ ok: true });
      expect(await send('with the contact key', keys.contactKey)).toMatchObject({ ok: true });
      await inbox.waitFor(() => inbox.received.length === 2, 10_000, 'two envelopes');
      expect(inbox.received.map((envelope) => labelOf(envelope.content))).toEqual([
        'with the code key',
        'with the contact key',
      ]);

      // A replaced pair: the old keys open nothing any more.
      const replaced = await registerAccessKeys(http, bob.token);
      expect(await send('old key', keys.contactKey)).toMatchObject({ ok: false, error: { code: 'ACCESS_DENIED' } });
      expect(await send('new key', replaced.contactKey)).toMatchObject({ ok: true });
    } finally {
      socket.close();
      inbox.close();
    }
  });

  it('need no key for an account without keys (clients that predate them), nor for one’s own other devices', async () => {
    const legacy = await registerDevice(http);
    const alice = await registerDevice(http);
    const socket = await connect(relay, alice.token);
    try {
      const toLegacy = await socket.send({
        recipient: legacy.device.accountId,
        messages: [{ deviceId: 1, type: 'message', content: payload('as today') }],
      });
      expect(toLegacy).toMatchObject({ ok: true });

      await registerAccessKeys(http, alice.token);
      const second = await registerDevice(http, { identity: alice.device.identity, deviceId: 2 });
      const ownInbox = await connect(relay, second.token);
      try {
        const toSelf = await socket.send({
          recipient: alice.device.accountId,
          messages: [{ deviceId: 2, type: 'message', content: payload('sync') }],
        });
        expect(toSelf).toMatchObject({ ok: true });
        await ownInbox.waitFor(() => ownInbox.received.length === 1, 10_000, 'the sync message');
      } finally {
        ownInbox.close();
      }
    } finally {
      socket.close();
    }
  });
});

describe('bundle fetches', () => {
  it('serve a holder of the key without a token, and refuse a wrong key and an unknown account alike', async () => {
    const bob = await registerDevice(http);
    const keys = await registerAccessKeys(http, bob.token);
    const withKey = await fetchBundlesWithKey(http, bob.device.accountId, keys.codeKey);
    expect(withKey.status).toBe(200);
    const bundles = parseWire(preKeyBundlesResponseSchema, withKey.body, 'bundles');
    expect(bundles.bundles.map((bundle) => bundle.deviceId)).toEqual([1]);

    const wrong = await fetchBundlesWithKey(http, bob.device.accountId, newAccessKey());
    const nobody = (await registerDevice(http)).device.accountId;
    // An account without keys, and one that does not exist, answer exactly as a wrong key.
    const withoutKeys = await fetchBundlesWithKey(http, nobody, newAccessKey());
    const unknown = await fetchBundlesWithKey(http, 'a'.repeat(32), newAccessKey());
    for (const refused of [wrong, withoutKeys, unknown]) {
      expect(refused.status).toBe(401);
      expect(errorOf(refused).code).toBe('ACCESS_DENIED');
      expect(refused.body).toEqual(wrong.body);
    }
    const malformed = await fetchBundlesWithKey(http, bob.device.accountId, 'not a key');
    expect(errorOf(malformed).code).toBe('BAD_REQUEST');
  });

  it('make an authenticated stranger present the key too once keys are registered; the account itself needs none', async () => {
    const bob = await registerDevice(http);
    const stranger = await registerDevice(http);
    expect((await http.fetchBundles(stranger.token, bob.device.accountId)).bundles).toHaveLength(1);

    const keys = await registerAccessKeys(http, bob.token);
    const without = await http.request(http.bundlesPath(bob.device.accountId), { token: stranger.token });
    expect(without.status).toBe(401);
    expect(errorOf(without).code).toBe('ACCESS_DENIED');
    const wrong = await fetchBundlesWithKey(http, bob.device.accountId, newAccessKey(), stranger.token);
    expect(errorOf(wrong).code).toBe('ACCESS_DENIED');
    const withKey = await fetchBundlesWithKey(http, bob.device.accountId, keys.contactKey, stranger.token);
    expect(withKey.status).toBe(200);
    expect((await http.fetchBundles(bob.token, bob.device.accountId)).bundles).toHaveLength(1);
  });

  it('limit fetches without a token per access key, each key on its own', async () => {
    const bob = await registerDevice(http, { preKeys: 10 });
    const keys = await registerAccessKeys(http, bob.token);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await fetchBundlesWithKey(http, bob.device.accountId, keys.codeKey)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await fetchBundlesWithKey(http, bob.device.accountId, keys.codeKey);
    expect(errorOf(limited)).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect((await fetchBundlesWithKey(http, bob.device.accountId, keys.contactKey)).status).toBe(200);
  });
});

describe('CORS', () => {
  it('lets a page send the access key header and post a message', async () => {
    const response = await fetch(`${relay.url}${routes.messages}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': `content-type, ${ACCESS_KEY_HEADER.toLowerCase()}`,
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toContain('parley-access-key');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('keeps GET /v1/trust-root unauthenticated', async () => {
    const result = await http.request(routes.trustRoot);
    expect(result.status).toBe(200);
  });
});
