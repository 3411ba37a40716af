/**
 * Bundle fetches: one-time keys handed out at most once even under 50
 * parallel fetches, the fallbacks when none is left (no EC prekey, the
 * last-resort Kyber key), and the per-requester and per-target limits.
 */
import { MAX_PREKEY_ID } from '@parley/crypto-core/wire';
import { errorOf, httpOf, type RelayHttp, RelayProcess, registerDevice } from '@parley/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';

let relay: RelayProcess;
let http: RelayHttp;

beforeAll(async () => {
  relay = await RelayProcess.start({
    args: [
      '--auth-burst',
      '500',
      '--bundle-burst',
      '70',
      '--bundle-rate',
      '6',
      '--bundle-target-burst',
      '55',
      '--bundle-target-rate',
      '6',
    ],
  });
  http = httpOf(relay);
});

afterAll(async () => {
  await relay?.dispose();
});

it('never hands out one prekey twice under 50 concurrent fetches, then falls back', async () => {
  const target = await registerDevice(http, { preKeys: 50, kyberPreKeys: 50 });
  const requester = await registerDevice(http);
  const responses = await Promise.all(
    Array.from({ length: 50 }, () => http.fetchBundles(requester.token, target.device.accountId)),
  );
  const preKeyIds = responses.map((r) => r.bundles[0]?.preKey?.keyId);
  const kyberIds = responses.map((r) => r.bundles[0]?.kyberPreKey.keyId);
  expect(preKeyIds.every((id) => id !== undefined)).toBe(true);
  expect(new Set(preKeyIds).size).toBe(50);
  expect(new Set(kyberIds).size).toBe(50);
  expect(kyberIds).not.toContain(MAX_PREKEY_ID); // the last-resort key was not needed yet

  const exhausted = await http.fetchBundles(requester.token, target.device.accountId);
  expect(exhausted.bundles[0]?.preKey).toBeNull();
  expect(exhausted.bundles[0]?.kyberPreKey.keyId).toBe(MAX_PREKEY_ID);
  expect(await http.preKeyCount(target.token)).toEqual({ preKeys: 0, kyberPreKeys: 0 });
});

it('limits fetches per target account, whoever asks', async () => {
  const target = await registerDevice(http);
  const requesters = await Promise.all(Array.from({ length: 3 }, () => registerDevice(http)));
  let limited: Awaited<ReturnType<RelayHttp['request']>> | undefined;
  let served = 0;
  for (let i = 0; i < 80 && limited === undefined; i++) {
    const token = requesters[i % requesters.length]?.token;
    const result = await http.request(http.bundlesPath(target.device.accountId), { token });
    if (result.status === 429) limited = result;
    else served++;
  }
  expect(limited).toBeDefined();
  if (limited === undefined) return;
  expect(served).toBeGreaterThanOrEqual(55);
  expect(errorOf(limited)).toMatchObject({ code: 'RATE_LIMITED' });
  expect(errorOf(limited).retryAfter).toBeGreaterThan(0);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
});

it('limits fetches per requester, across targets', async () => {
  const requester = await registerDevice(http);
  const targets = await Promise.all(Array.from({ length: 3 }, () => registerDevice(http)));
  let limitedAt = -1;
  for (let i = 0; i < 100 && limitedAt < 0; i++) {
    const target = targets[i % targets.length];
    if (target === undefined) break;
    const result = await http.request(http.bundlesPath(target.device.accountId), { token: requester.token });
    if (result.status === 429) {
      expect(errorOf(result).code).toBe('RATE_LIMITED');
      limitedAt = i;
    }
  }
  expect(limitedAt).toBeGreaterThanOrEqual(70);
  expect(limitedAt).toBeLessThan(90);
});

it('answers UNKNOWN_ACCOUNT for accounts and devices that do not exist', async () => {
  const requester = await registerDevice(http);
  const target = await registerDevice(http);
  const missingDevice = await http.request(http.bundlesPath(target.device.accountId, 2), { token: requester.token });
  expect(missingDevice.status).toBe(404);
  expect(errorOf(missingDevice).code).toBe('UNKNOWN_ACCOUNT');
});
