/**
 * Tokens an attacker might present to a real relay: none, malformed, forged
 * with another key, tampered, `alg: none`, issued by another relay; and a
 * valid token acts only on its own account.
 */

import { routes } from '@parley/crypto-core/wire';
import {
  connect,
  errorOf,
  httpOf,
  type RegisteredDevice,
  type RelayHttp,
  RelayProcess,
  registerDevice,
} from '@parley/test-support';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let relay: RelayProcess;
let http: RelayHttp;
let alice: RegisteredDevice;
let bob: RegisteredDevice;

beforeAll(async () => {
  relay = await RelayProcess.start({ args: ['--registration', 'open'] });
  http = httpOf(relay);
  alice = await registerDevice(http);
  bob = await registerDevice(http);
});

afterAll(async () => {
  await relay?.dispose();
});

describe('tokens', () => {
  it('refuses missing, malformed, forged and tampered tokens with UNAUTHORIZED', async () => {
    expect(errorOf(await http.request(routes.keyCount)).code).toBe('UNAUTHORIZED');
    expect(errorOf(await http.request(routes.keyCount, { token: 'not.a.jwt' })).code).toBe('UNAUTHORIZED');
    const forged = await new SignJWT({ dev: 1 })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(alice.device.accountId)
      .setIssuedAt()
      .setExpirationTime('10m')
      .setAudience('parley-relay')
      .setIssuer('parley-relay')
      .sign(new Uint8Array(32).fill(9));
    const forgedResult = await http.request(routes.keyCount, { token: forged });
    expect(forgedResult.status).toBe(401);
    expect(errorOf(forgedResult).code).toBe('UNAUTHORIZED');
    // Bob's real token with Alice's account id swapped in: the signature no longer matches.
    const [header, body, signature] = bob.token.split('.');
    const claims = JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: alice.device.accountId })).toString('base64url')}.${signature}`;
    expect(errorOf(await http.request(routes.keyCount, { token: tampered })).code).toBe('UNAUTHORIZED');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${body}.`;
    expect(errorOf(await http.request(routes.keyCount, { token: none })).code).toBe('UNAUTHORIZED');
  });

  it('refuses tokens of another relay', async () => {
    const other = await RelayProcess.start({ args: ['--issuer', 'another-relay'] });
    try {
      const stranger = await registerDevice(httpOf(other));
      const result = await http.request(routes.keyCount, { token: stranger.token });
      expect(errorOf(result).code).toBe('UNAUTHORIZED');
      await expect(connect(relay, stranger.token)).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    } finally {
      await other.dispose();
    }
  });

  it("acts only on the token's own account", async () => {
    const victim = await registerDevice(http);
    const attacker = await registerDevice(http);
    // Deleting "me" with the attacker's token deletes the attacker, never the victim.
    const deleted = await http.request(routes.account, { method: 'DELETE', token: attacker.token });
    expect(deleted.body).toEqual({ deleted: true });
    expect((await http.fetchBundles(alice.token, victim.device.accountId)).bundles).toHaveLength(1);
    expect(errorOf(await http.request(routes.keyCount, { token: attacker.token })).code).toBe('UNKNOWN_ACCOUNT');
  });
});
