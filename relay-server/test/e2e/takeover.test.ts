/**
 * One identity, one active install (docs/protocol.md §3.1), against a real
 * relay process: a registration from another installation id takes the
 * device over (the first install's tokens die on every route and at the
 * handshake, its open socket is told and closed, its queue goes, and it
 * cannot log in again); a registration from the same install keeps the
 * queue; and a deleted account's token stays dead when the id comes back.
 */
import { routes } from '@parley/crypto-core/wire';
import {
  connect,
  errorOf,
  httpOf,
  labelOf,
  payload,
  RelayHttp,
  RelayProcess,
  registerDevice,
  sleep,
  TestDevice,
} from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let relay: RelayProcess;
let http: RelayHttp;

beforeAll(async () => {
  relay = await RelayProcess.start();
  http = httpOf(relay);
});

afterAll(async () => {
  await relay?.dispose();
});

/** Every route a bearer token opens, each answering `code` for `token`. */
async function expectEveryRouteRefuses(token: string, code: string, bundleOf: string): Promise<void> {
  const attempts = [
    http.request(routes.keyCount, { token }),
    http.request(routes.keys, { method: 'PUT', token, body: { preKeys: [], kyberPreKeys: [] } }),
    http.request(http.bundlesPath(bundleOf), { token }),
    http.request(routes.senderCertificate, { token }),
    http.request(routes.account, { method: 'DELETE', token }),
  ];
  for (const result of await Promise.all(attempts)) {
    expect({ status: result.status, code: errorOf(result).code }).toEqual({ status: 401, code });
  }
  await expect(connect(relay, token)).rejects.toMatchObject({ data: { code } });
}

describe('a registration from another install takes the device over', () => {
  it('kills the first install on HTTP and the socket, tells its open socket, and drops its queue', async () => {
    const original = await registerDevice(http);
    const contact = await registerDevice(http);
    const send = (label: string) =>
      contactSocket.send({
        recipient: original.device.accountId,
        messages: [{ deviceId: 1, type: 'message', content: payload(label) }],
      });
    const contactSocket = await connect(relay, contact.token);
    // Queued for the first install while it is away: sealed to its sessions.
    expect((await send('for the first install')).ok).toBe(true);
    const first = await connect(relay, original.token, { autoAck: false });
    await first.waitFor(() => first.queueEmptyCount === 1, 5_000, 'first install drained');
    expect(first.received.map((envelope) => labelOf(envelope.content))).toEqual(['for the first install']);

    // The backup, restored on another computer: same identity, same device id, another install.
    const restored = await TestDevice.create({ identity: original.device.identity });
    expect(restored.installationId).not.toBe(original.device.installationId);
    const { token: restoredToken } = await http.register(restored);

    await first.waitFor(() => first.disconnected, 5_000, 'first install disconnected');
    expect(first.relayErrors.map((error) => error.code)).toEqual(['DEVICE_TAKEN_OVER']);
    await expectEveryRouteRefuses(original.token, 'DEVICE_TAKEN_OVER', contact.device.accountId);

    // It holds the identity key still, and cannot log in again with it.
    const { challenge } = await http.challenge(original.device);
    const login = await http.request(routes.token, { body: original.device.tokenRequest(challenge, http.relayUrl) });
    expect({ status: login.status, code: errorOf(login).code }).toEqual({ status: 401, code: 'DEVICE_TAKEN_OVER' });

    // The restored install gets nothing sealed to the first one's sessions, then everything new.
    const second = await connect(relay, restoredToken);
    await second.waitFor(() => second.queueEmptyCount === 1, 5_000, 'restored install drained');
    expect(second.received).toEqual([]);
    expect((await send('for the restored install')).ok).toBe(true);
    await second.waitFor(() => second.received.length === 1, 5_000, 'restored install receives');
    expect(labelOf(second.received[0]?.content ?? '')).toBe('for the restored install');
    expect(first.received).toHaveLength(1);
    expect((await http.preKeyCount(restoredToken)).preKeys).toBeGreaterThan(0);
    expect((await http.token(restored)).token).not.toBe('');

    second.close();
    contactSocket.close();
  });

  it('refuses sends and acks of a connection it superseded through another relay process on the same store', async () => {
    // A second relay process on the same data folder (shared database, token secret and trust root):
    // it cannot close the first process's sockets, so their next send or ack must find out.
    const other = await RelayProcess.start({ dataDir: relay.dataDir });
    try {
      const original = await registerDevice(http);
      const contact = await registerDevice(http);
      const acking = await connect(relay, original.token, { autoAck: false });
      const sending = await connect(relay, original.token, { autoAck: false });
      const contactSocket = await connect(relay, contact.token);
      await acking.waitFor(() => acking.queueEmptyCount === 1, 5_000, 'first install connected');
      await sending.waitFor(() => sending.queueEmptyCount === 1, 5_000, 'first install connected twice');

      const restored = await TestDevice.create({ identity: original.device.identity });
      const { token: restoredToken } = await new RelayHttp(other.url).register(restored);
      await sleep(300); // past the account cache's 100 ms staleness bound

      const sent = await contactSocket.send({
        recipient: original.device.accountId,
        messages: [{ deviceId: 1, type: 'message', content: payload('after the takeover') }],
      });
      expect(sent.ok).toBe(true);
      const sendAttempt = await sending.send({
        recipient: contact.device.accountId,
        messages: [{ deviceId: 1, type: 'message', content: payload('from the old install') }],
      });
      expect(sendAttempt).toMatchObject({ ok: false, error: { code: 'DEVICE_TAKEN_OVER' } });
      const metrics = await (await fetch(`${relay.url}/metrics`)).text();
      expect(metrics).toMatch(/^parley_relay_sends_refused_total\{code="DEVICE_TAKEN_OVER"\} 1$/m);
      await sending.waitFor(() => sending.disconnected, 5_000, 'sender disconnected');
      expect(sending.relayErrors.map((error) => error.code)).toEqual(['DEVICE_TAKEN_OVER']);

      // Whatever reaches the old install, its ack cannot delete it from the new install's queue.
      const envelopeId = sent.ok ? (sent.envelopeIds[0] ?? '') : '';
      expect(await acking.ack([envelopeId])).toMatchObject({ ok: false, error: { code: 'DEVICE_TAKEN_OVER' } });
      await acking.waitFor(() => acking.disconnected, 5_000, 'acker disconnected');

      const second = await connect(relay, restoredToken);
      await second.waitFor(() => second.queueEmptyCount === 1, 5_000, 'restored install drained');
      expect(second.received.map((envelope) => labelOf(envelope.content))).toEqual(['after the takeover']);
      const contactQueue = await connect(relay, contact.token);
      await contactQueue.waitFor(() => contactQueue.queueEmptyCount === 1, 5_000, 'contact drained');
      expect(contactQueue.received).toEqual([]);
      second.close();
      contactSocket.close();
      contactQueue.close();
    } finally {
      await other.dispose();
    }
  });
});

describe('a registration from the same install', () => {
  it('keeps the queue (an onboarding retried after a lost answer), and its old tokens ask for a new login', async () => {
    const original = await registerDevice(http);
    const contact = await registerDevice(http);
    const contactSocket = await connect(relay, contact.token);
    const sent = await contactSocket.send({
      recipient: original.device.accountId,
      messages: [{ deviceId: 1, type: 'message', content: payload('kept') }],
    });
    expect(sent.ok).toBe(true);
    contactSocket.close();

    const { token } = await http.register(original.device);
    // A token of the earlier registration of this very install: log in again, not "taken over".
    expect(errorOf(await http.request(routes.keyCount, { token: original.token })).code).toBe('TOKEN_EXPIRED');
    await expect(connect(relay, original.token)).rejects.toMatchObject({ data: { code: 'TOKEN_EXPIRED' } });

    const socket = await connect(relay, token);
    await socket.waitFor(() => socket.queueEmptyCount === 1, 5_000, 'drained');
    expect(socket.received.map((envelope) => labelOf(envelope.content))).toEqual(['kept']);
    socket.close();
  });
});

describe('a deleted account', () => {
  it('keeps its old token refused when its id is registered again, from another install or the same', async () => {
    const original = await registerDevice(http);
    const deleted = await http.request(routes.account, { method: 'DELETE', token: original.token });
    expect(deleted.status).toBe(200);
    expect(errorOf(await http.request(routes.keyCount, { token: original.token })).code).toBe('UNKNOWN_ACCOUNT');

    // The id comes back through a restore elsewhere: the old token is another install's.
    const restored = await TestDevice.create({ identity: original.device.identity });
    const { token: restoredToken } = await http.register(restored);
    await expectEveryRouteRefuses(original.token, 'DEVICE_TAKEN_OVER', original.device.accountId);

    // Deleted again, and registered by the very install that held the old token: still refused.
    expect((await http.request(routes.account, { method: 'DELETE', token: restoredToken })).status).toBe(200);
    await http.register(original.device);
    expect(errorOf(await http.request(routes.keyCount, { token: original.token })).code).toBe('TOKEN_EXPIRED');
    await expect(connect(relay, original.token)).rejects.toMatchObject({ data: { code: 'TOKEN_EXPIRED' } });
    expect(errorOf(await http.request(routes.keyCount, { token: restoredToken })).code).toBe('DEVICE_TAKEN_OVER');
  });
});
