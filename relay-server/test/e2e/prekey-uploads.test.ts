/**
 * Prekey uploads and registrations are refused whole, with a code, when any
 * key in them is wrong (docs/relay.md, Errors): an id named twice, an id the
 * device already holds with another key, a key no peer could use (a
 * small-order or mistyped Curve25519 point, a Kyber key with coefficients out
 * of range, even when correctly signed), or more one-time keys than the
 * device may keep. Re-uploading a key already stored is harmless. Uploads
 * are rate-limited per device.
 */
import { fromBase64, generateKyberPreKeys, generateOneTimePreKeys, toBase64 } from '@parley/crypto-core';
import { type KyberPreKeyWire, type OneTimePreKeyWire, type PreKeyUpload, routes } from '@parley/crypto-core/wire';
import {
  errorOf,
  type HttpResult,
  httpOf,
  type RegisteredDevice,
  type RelayHttp,
  RelayProcess,
  registerDevice,
  TestDevice,
} from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let relay: RelayProcess;
let http: RelayHttp;

beforeAll(async () => {
  relay = await RelayProcess.start({
    // 30 uploads per device at once, then one per 100 minutes: no refill however slow the machine.
    args: [
      '--max-prekeys',
      '200',
      '--max-kyber-prekeys',
      '200',
      '--prekey-upload-burst',
      '30',
      '--prekey-upload-rate',
      '0.01',
    ],
  });
  http = httpOf(relay);
});

afterAll(async () => {
  await relay?.dispose();
});

function upload(device: RegisteredDevice, body: Partial<PreKeyUpload>): Promise<HttpResult> {
  return http.request(routes.keys, { method: 'PUT', body, token: device.token });
}

async function counts(device: RegisteredDevice) {
  return http.preKeyCount(device.token);
}

/** A Curve25519 public key of small order (u = 0), in the wire's 0x05-prefixed form. */
const SMALL_ORDER_KEY = toBase64(Uint8Array.of(0x05, ...new Uint8Array(32)));

function wrongTypeKey(key: OneTimePreKeyWire): string {
  return toBase64(Uint8Array.of(0x07, ...fromBase64(key.publicKey).subarray(1)));
}

/** A Kyber key whose first coefficient is q = 3329 (out of range), signed by the device's identity key. */
function outOfRangeKyber(device: TestDevice, keyId: number): KyberPreKeyWire {
  const key = generateKyberPreKeys(device.identity, keyId, 1).keys[0]?.wire;
  if (key === undefined) throw new Error('no key');
  const bytes = fromBase64(key.publicKey).slice();
  bytes[1] = 3329 & 0xff;
  bytes[2] = ((bytes[2] ?? 0) & 0xf0) | (3329 >> 8);
  return { keyId, publicKey: toBase64(bytes), signature: device.sign(bytes) };
}

describe('prekey uploads', () => {
  it('keep an identical re-upload as it is, and refuse another key under a stored id with PREKEY_ID_CONFLICT', async () => {
    const device = await registerDevice(http);
    const stored = device.device.preKeys[1]?.wire as OneTimePreKeyWire;
    const fresh = generateOneTimePreKeys(100, 2).keys.map((key) => key.wire);
    const again = await upload(device, { preKeys: [stored, ...fresh] });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ preKeys: 7, kyberPreKeys: 5 });

    const other = generateOneTimePreKeys(2, 1).keys[0]?.wire as OneTimePreKeyWire;
    const more = generateOneTimePreKeys(200, 3).keys.map((key) => key.wire);
    const conflict = await upload(device, { preKeys: [...more, other] });
    expect(conflict.status).toBe(409);
    expect(errorOf(conflict)).toMatchObject({ code: 'PREKEY_ID_CONFLICT' });
    expect(errorOf(conflict).message).toContain('id 2');
    const kyberConflict = generateKyberPreKeys(device.device.identity, 3, 1).keys.map((key) => key.wire);
    expect(errorOf(await upload(device, { kyberPreKeys: kyberConflict })).code).toBe('PREKEY_ID_CONFLICT');
    // Nothing of the refused uploads was stored.
    expect(await counts(device)).toEqual({ preKeys: 7, kyberPreKeys: 5 });
  });

  it('refuse an id named twice in one upload with BAD_REQUEST', async () => {
    const device = await registerDevice(http);
    const [a, b] = generateOneTimePreKeys(300, 2).keys.map((key) => key.wire);
    const result = await upload(device, {
      preKeys: [a as OneTimePreKeyWire, { ...(b as OneTimePreKeyWire), keyId: 300 }],
    });
    expect(result.status).toBe(400);
    expect(errorOf(result).code).toBe('BAD_REQUEST');
    expect(errorOf(result).message).toContain('preKeys');
    expect(await counts(device)).toEqual({ preKeys: 5, kyberPreKeys: 5 });
  });

  it('refuse keys no peer could use with INVALID_KEY, naming the key, even when correctly signed', async () => {
    const device = await registerDevice(http);
    const fresh = generateOneTimePreKeys(400, 2).keys.map((key) => key.wire) as OneTimePreKeyWire[];
    const cases: Array<[Partial<PreKeyUpload>, string]> = [
      [{ preKeys: [...fresh, { keyId: 402, publicKey: SMALL_ORDER_KEY }] }, 'preKeys.2'],
      [
        { preKeys: [{ ...(fresh[0] as OneTimePreKeyWire), publicKey: wrongTypeKey(fresh[0] as OneTimePreKeyWire) }] },
        'preKeys.0',
      ],
      [{ kyberPreKeys: [outOfRangeKyber(device.device, 500)] }, 'kyberPreKeys.0'],
      [
        {
          signedPreKey: {
            keyId: 9,
            publicKey: SMALL_ORDER_KEY,
            signature: device.device.sign(fromBase64(SMALL_ORDER_KEY)),
          },
        },
        'signedPreKey',
      ],
    ];
    for (const [body, field] of cases) {
      const result = await upload(device, body);
      expect(result.status, field).toBe(400);
      expect(errorOf(result).code, field).toBe('INVALID_KEY');
      expect(errorOf(result).message).toContain(field);
    }
    expect(await counts(device)).toEqual({ preKeys: 5, kyberPreKeys: 5 });
    // The device's real signed prekey is still the one handed out.
    const requester = await registerDevice(http);
    const { bundles } = await http.fetchBundles(requester.token, device.device.accountId);
    expect(bundles[0]?.signedPreKey).toEqual(device.device.signedPreKey.wire);
  });

  it('refuse more one-time keys than a device may keep with TOO_MANY_PREKEYS, storing none of them', async () => {
    const device = await registerDevice(http);
    const tooMany = await upload(device, { preKeys: generateOneTimePreKeys(1000, 196).keys.map((key) => key.wire) });
    expect(tooMany.status).toBe(409);
    expect(errorOf(tooMany).code).toBe('TOO_MANY_PREKEYS');
    expect(await counts(device)).toEqual({ preKeys: 5, kyberPreKeys: 5 });
    const fits = await upload(device, { preKeys: generateOneTimePreKeys(1000, 195).keys.map((key) => key.wire) });
    expect(fits.body).toEqual({ preKeys: 200, kyberPreKeys: 5 });
    const metrics = String((await http.request(routes.metrics)).body);
    expect(metrics).toMatch(/parley_relay_limit_refusals_total\{code="TOO_MANY_PREKEYS"\} [1-9]/);
  });

  it('are limited per device with RATE_LIMITED', async () => {
    const device = await registerDevice(http);
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await upload(device, {})).status);
    expect(statuses.slice(0, 30).every((status) => status === 200)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429]);
    // Another device's budget is its own.
    expect((await upload(await registerDevice(http), {})).status).toBe(200);
  });
});

describe('registration', () => {
  it('applies the same checks to the initial prekeys, registering nothing when one fails', async () => {
    const device = await TestDevice.create();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ preKeys: [{ keyId: 1, publicKey: SMALL_ORDER_KEY }] }, 'INVALID_KEY'],
      [{ kyberPreKeys: [outOfRangeKyber(device, 1)] }, 'INVALID_KEY'],
      [
        { preKeys: [device.preKeys[0]?.wire, { ...device.preKeys[1]?.wire, keyId: device.preKeys[0]?.keyId }] },
        'BAD_REQUEST',
      ],
    ];
    for (const [change, code] of cases) {
      const { challenge } = await http.challenge(device);
      const body = { ...device.registerRequest(challenge, http.relayUrl), ...change };
      expect(errorOf(await http.request(routes.accounts, { body })).code).toBe(code);
    }
    const requester = await registerDevice(http);
    expect(errorOf(await http.request(http.bundlesPath(device.accountId), { token: requester.token })).code).toBe(
      'UNKNOWN_ACCOUNT',
    );
    await expect(http.register(device)).resolves.toMatchObject({ accountId: device.accountId });
  });
});
