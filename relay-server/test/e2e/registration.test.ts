/**
 * Who may create an account (docs/relay.md, Registration policy), against
 * real relay processes: the policy a client can read before registering,
 * invite codes made with `parley-relay invite` while the relay runs (one
 * account each, consumed only by a registration that succeeds), a closed
 * relay, existing accounts that never need a code (a restore on a fresh
 * install that takes its device over included), the default beyond
 * loopback, and the refusals counted in /metrics.
 */
import { routes } from '@parley/crypto-core/wire';
import { errorOf, httpOf, RelayHttp, RelayProcess, sleep, TestDevice } from '@parley/test-support';
import { afterAll, describe, expect, it } from 'vitest';

const relays: RelayProcess[] = [];

async function start(args: readonly string[], dataDir?: string): Promise<RelayProcess> {
  const relay = await RelayProcess.start({ args, ...(dataDir === undefined ? {} : { dataDir }) });
  relays.push(relay);
  return relay;
}

afterAll(async () => {
  await Promise.all(relays.map((relay) => relay.dispose()));
});

async function policyOf(http: RelayHttp): Promise<unknown> {
  const result = await http.request(routes.registration);
  expect(result.status).toBe(200);
  return result.body;
}

function listeningLine(relay: RelayProcess) {
  return relay.logLines().find((line) => typeof line.url === 'string');
}

describe('an invite-only relay', () => {
  it('says so before registering, and refuses a new account without a code or with a wrong one', async () => {
    const relay = await start(['--registration', 'invite']);
    const http = httpOf(relay);
    expect(await policyOf(http)).toEqual({ policy: 'invite' });
    expect(listeningLine(relay)).toMatchObject({ registration: 'invite' });

    const device = await TestDevice.create();
    const missing = await http.tryRegister(device);
    expect(missing.status).toBe(403);
    expect(errorOf(missing).code).toBe('INVITE_REQUIRED');
    const wrong = await http.tryRegister(device, 'aaaaa-bbbbb-ccccc-ddddd');
    expect(wrong.status).toBe(403);
    expect(errorOf(wrong).code).toBe('INVITE_INVALID');
    expect(errorOf(await http.request(http.bundlesPath(device.accountId), { token: 'x' })).code).toBe('UNAUTHORIZED');
  });

  it('admits one account per code made with `parley-relay invite` while it runs, however the code is typed', async () => {
    const relay = await start(['--registration', 'invite']);
    const http = httpOf(relay);
    const [first, second] = await relay.invite(2);
    if (first === undefined || second === undefined) throw new Error('two codes expected');

    const alice = await TestDevice.create();
    // Upper case and spaces instead of dashes, as someone might type it from paper.
    await expect(http.register(alice, first.toUpperCase().replaceAll('-', ' '))).resolves.toMatchObject({
      accountId: alice.accountId,
    });
    const bob = await TestDevice.create();
    const reused = await http.tryRegister(bob, first);
    expect(errorOf(reused).code).toBe('INVITE_INVALID');
    await expect(http.register(bob, second)).resolves.toMatchObject({ accountId: bob.accountId });

    // Alice's account exists: re-registering device 1 and adding device 2 need no code.
    await expect(http.register(alice)).resolves.toMatchObject({ accountId: alice.accountId });
    const aliceLaptop = await TestDevice.create({ identity: alice.identity, deviceId: 2 });
    await expect(http.register(aliceLaptop)).resolves.toMatchObject({ deviceId: 2 });
  });

  it('lets a backup restored on a fresh install take its device over without a code', async () => {
    const relay = await start(['--registration', 'invite']);
    const http = httpOf(relay);
    const [code] = await relay.invite();
    const original = await TestDevice.create();
    const { token: originalToken } = await http.register(original, code);

    // Same identity and device id, another install: a takeover, which no invite gates.
    const restored = await TestDevice.create({ identity: original.identity });
    expect(restored.installationId).not.toBe(original.installationId);
    const { token } = await http.register(restored);
    expect((await http.preKeyCount(token)).preKeys).toBeGreaterThan(0);
    const old = await http.request(routes.keyCount, { token: originalToken });
    expect({ status: old.status, code: errorOf(old).code }).toEqual({ status: 401, code: 'DEVICE_TAKEN_OVER' });
  });

  it('keeps a code when the registration fails for another reason', async () => {
    const relay = await start(['--registration', 'invite']);
    const http = httpOf(relay);
    const [code] = await relay.invite();
    const device = await TestDevice.create();
    const impostor = await TestDevice.create();
    const { challenge } = await http.challenge(device);
    const forged = {
      ...device.registerRequest(challenge, http.relayUrl),
      signature: impostor.signChallenge('register', challenge, http.relayUrl),
      inviteCode: code,
    };
    expect(errorOf(await http.request(routes.accounts, { body: forged })).code).toBe('INVALID_SIGNATURE');
    await expect(http.register(device, code)).resolves.toMatchObject({ accountId: device.accountId });
  });

  it('refuses an expired code', async () => {
    const relay = await start(['--registration', 'invite', '--invite-ttl', '1s']);
    const [code] = await relay.invite();
    // Made at least 1 s ago once this wait is over, however slow the machine: expired.
    await sleep(1100);
    expect(errorOf(await httpOf(relay).tryRegister(await TestDevice.create(), code)).code).toBe('INVITE_INVALID');
  });
});

describe('a closed relay', () => {
  it('registers no new account, but lets an existing one re-register and add devices', async () => {
    const open = await start(['--registration', 'open']);
    const alice = await TestDevice.create();
    await httpOf(open).register(alice);
    await open.stop();

    const closed = await start(['--registration', 'closed'], open.dataDir);
    const http = httpOf(closed);
    expect(await policyOf(http)).toEqual({ policy: 'closed' });
    const newcomer = await TestDevice.create();
    const refused = await http.tryRegister(newcomer);
    expect(refused.status).toBe(403);
    expect(errorOf(refused).code).toBe('REGISTRATION_CLOSED');
    // A code changes nothing on a closed relay.
    expect(errorOf(await http.tryRegister(newcomer, 'aaaaa-bbbbb-ccccc-ddddd')).code).toBe('REGISTRATION_CLOSED');

    await expect(http.register(alice)).resolves.toMatchObject({ accountId: alice.accountId });
    const second = await TestDevice.create({ identity: alice.identity, deviceId: 2 });
    await expect(http.register(second)).resolves.toMatchObject({ deviceId: 2 });

    const metrics = String((await http.request(routes.metrics)).body);
    expect(metrics).toMatch(/parley_relay_limit_refusals_total\{code="REGISTRATION_CLOSED"\} 2/);
  });
});

describe('a relay that cannot keep invites', () => {
  it('warns at start when it is invite-only on --store memory', async () => {
    const relay = await start(['--store', 'memory', '--registration', 'invite']);
    const warnings = relay.logLines().filter((line) => line.level === 40);
    expect(warnings.map((line) => String(line.msg))).toEqual([
      expect.stringContaining('--store memory keeps no invite codes'),
    ]);
  });
});

describe('the default policy', () => {
  it('is open on loopback', async () => {
    const relay = await start([]);
    expect(await policyOf(httpOf(relay))).toEqual({ policy: 'open' });
    expect(listeningLine(relay)).toMatchObject({ registration: 'open' });
    await httpOf(relay).register(await TestDevice.create());
  });

  it('is invite for a relay reachable beyond loopback (a public URL, behind a TLS proxy), and says how to make codes', async () => {
    const relay = await start(['--public-url', 'https://relay.example.org']);
    const http = new RelayHttp(relay.url, 'https://relay.example.org');
    expect(await policyOf(http)).toEqual({ policy: 'invite' });
    expect(listeningLine(relay)?.msg).toContain('(registration: invite)');
    expect(relay.output).toContain('npm run relay -- invite');
    const device = await TestDevice.create();
    expect(errorOf(await http.tryRegister(device)).code).toBe('INVITE_REQUIRED');
    const [code] = await relay.invite();
    await expect(http.register(device, code)).resolves.toMatchObject({ accountId: device.accountId });
    const metrics = String((await http.request(routes.metrics)).body);
    expect(metrics).toMatch(/parley_relay_limit_refusals_total\{code="INVITE_REQUIRED"\} 1/);
  });
});
