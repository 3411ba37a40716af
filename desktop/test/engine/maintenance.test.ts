/**
 * Keeping keys fresh, against a scripted relay (fetch) and vault: the sealed-
 * sender certificate is renewed before it expires and the trust root pinned
 * on first sight; one-time prekeys are topped up to the target; a signed-
 * prekey rotation the relay did not accept is kept and uploaded again.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createVaultClient } from '../../src/common/invoke.js';
import { ok, type Result } from '../../src/common/result.js';
import { systemClock } from '../../src/renderer/engine/clock.js';
import type { EngineDatabase } from '../../src/renderer/engine/database.js';
import { PreKeyMaintenance } from '../../src/renderer/engine/prekey-maintenance.js';
import { RelayTokens } from '../../src/renderer/engine/relay-auth.js';
import { RelayHttpClient } from '../../src/renderer/engine/relay-http.js';
import { SenderCertificates } from '../../src/renderer/engine/sender-certificates.js';
import { TrustRootPins } from '../../src/renderer/engine/trust-roots.js';
import { VaultGateway } from '../../src/renderer/engine/vault-calls.js';
import { memoryDatabase } from '../support/memory-database.js';
import { RecordingLogger } from '../support/recording-logger.js';

const RELAY = 'http://127.0.0.1:7447';
const ACCOUNT = 'a'.repeat(32) as AccountId;
const base64 = (length: number, fill = 1) => Buffer.alloc(length, fill).toString('base64');

interface ScriptedRelay {
  readonly requests: string[];
  certificateTtlMs: number;
  failKeyUploads: number;
}

function scriptedFetch(relay: ScriptedRelay) {
  return async (input: string, init?: RequestInit): Promise<Response> => {
    const path = input.slice(RELAY.length);
    const route = `${init?.method ?? 'GET'} ${path}`;
    relay.requests.push(route);
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    switch (route) {
      case 'POST /v1/auth/challenge':
        return json(200, { challenge: base64(32), expiresAt: Date.now() + 60_000 });
      case 'POST /v1/auth/token':
        return json(200, { accountId: ACCOUNT, deviceId: 1, token: 'token', expiresAt: Date.now() + 900_000 });
      case 'GET /v1/certificate':
        return json(200, { certificate: base64(100), expiresAt: Date.now() + relay.certificateTtlMs });
      case 'GET /v1/trust-root':
        return json(200, { publicKey: base64(33, 5) });
      case 'PUT /v1/keys':
        if (relay.failKeyUploads > 0) {
          relay.failKeyUploads--;
          return json(503, { error: { code: 'UNAVAILABLE', message: 'try later', retryAfter: 1 } });
        }
        return json(200, { preKeys: 100, kyberPreKeys: 100 });
      default:
        return json(404, { error: { code: 'NOT_FOUND', message: route } });
    }
  };
}

function scriptedVault(calls: Array<[string, unknown]>, rotation: () => unknown) {
  return new VaultGateway(
    createVaultClient({
      async call(method, args): Promise<Result<unknown>> {
        calls.push([method, args]);
        switch (method) {
          case 'signChallenge':
            return ok({ signature: base64(64), installationId: base64(16) });
          case 'buildPreKeyRefill':
            return ok({ preKeys: [], kyberPreKeys: [] });
          case 'rotateSignedPreKeys':
            return ok(rotation());
          default:
            return ok(null);
        }
      },
      onEvent: () => () => {},
    }),
  );
}

async function setup(relayScript: Partial<ScriptedRelay> = {}, rotation: () => unknown = () => null) {
  const db: EngineDatabase = await memoryDatabase();
  await db.relays.put({ url: RELAY, role: 'home', trustRoot: null, registeredAt: 1, addedAt: 1 });
  const relay: ScriptedRelay = { requests: [], certificateTtlMs: 600_000, failKeyUploads: 0, ...relayScript };
  const calls: Array<[string, unknown]> = [];
  const vault = scriptedVault(calls, rotation);
  const http = new RelayHttpClient(RELAY, scriptedFetch(relay));
  const tokens = new RelayTokens(http, vault, RELAY, { accountId: ACCOUNT, deviceId: 1 }, systemClock);
  const logger = new RecordingLogger('maintenance');
  return { db, relay, calls, vault, http, tokens, logger };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SenderCertificates', () => {
  it('installs a certificate, pins the trust root, and renews before expiry', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { db, relay, calls, vault, http, tokens, logger } = await setup({ certificateTtlMs: 10 * 60_000 });
    const pins = new TrustRootPins(db, vault, {
      httpFor: () => http,
      clock: systemClock,
      logger,
      trustRootChanged: () => {},
    });
    const certificates = new SenderCertificates(pins, http, tokens, vault, RELAY, systemClock, logger);
    await certificates.ensure();
    await certificates.ensure();
    const installs = () => calls.filter(([method]) => method === 'setSenderCertificate');
    expect(installs()).toHaveLength(1);
    expect(installs()[0]?.[1]).toMatchObject({ relayUrl: RELAY, trustRoot: base64(33, 5) });
    expect((await db.relays.get(RELAY))?.trustRoot).toBe(base64(33, 5));

    // A fifth of a 10-minute life before expiry: renewed at 8 minutes.
    await vi.advanceTimersByTimeAsync(7 * 60_000);
    expect(installs()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000 + 1000);
    expect(installs()).toHaveLength(2);
    // The pinned trust root is not asked for again.
    expect(relay.requests.filter((route) => route === 'GET /v1/trust-root')).toHaveLength(1);
    certificates.stop();
    db.close();
  });
});

describe('PreKeyMaintenance', () => {
  it('tops up one-time prekeys to the target', async () => {
    const { db, calls, vault, http, tokens, logger } = await setup();
    const prekeys = new PreKeyMaintenance(db, http, tokens, vault, RELAY, systemClock, logger, {
      target: 100,
      rotationCheckIntervalMs: 60_000,
    });
    await prekeys.onPreKeysLow({ preKeys: 3, kyberPreKeys: 50 });
    expect(calls.find(([method]) => method === 'buildPreKeyRefill')?.[1]).toEqual({ preKeys: 97, kyberPreKeys: 50 });
    prekeys.stop();
    db.close();
  });

  it('keeps a rotation the relay refused and uploads it on the next check', async () => {
    let rotations = 0;
    const upload = {
      signedPreKey: { keyId: 2, publicKey: base64(33), signature: base64(64) },
      preKeys: [],
      kyberPreKeys: [],
    };
    const { db, relay, calls, vault, http, tokens, logger } = await setup({ failKeyUploads: 1 }, () => {
      rotations++;
      return rotations === 1 ? upload : null;
    });
    const prekeys = new PreKeyMaintenance(db, http, tokens, vault, RELAY, systemClock, logger, {
      target: 100,
      rotationCheckIntervalMs: 60 * 60_000,
    });
    await prekeys.checkRotation();
    expect(rotations).toBe(1);
    expect(await db.getSetting('pendingPreKeyUpload')).toEqual({ relayUrl: RELAY, upload: JSON.stringify(upload) });
    expect(logger.lines.some((line) => line.message.startsWith('prekey rotation failed'))).toBe(true);

    // Within the interval the vault is not asked again, but the pending upload goes.
    await prekeys.checkRotation();
    expect(rotations).toBe(1);
    expect(await db.getSetting('pendingPreKeyUpload')).toBeNull();
    expect(relay.requests.filter((route) => route === 'PUT /v1/keys')).toHaveLength(2);
    expect(calls.filter(([method]) => method === 'rotateSignedPreKeys')).toHaveLength(1);
    prekeys.stop();
    db.close();
  });
});
