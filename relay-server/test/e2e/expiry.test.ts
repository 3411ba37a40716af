/**
 * Everything that expires, on a relay with short lifetimes: challenges
 * (1 s), tokens (3 s, over HTTP, at the handshake and mid-connection) and
 * envelopes (3 s TTL, removed by the sweep and counted).
 */
import { routes } from '@parley/crypto-core/wire';
import {
  connect,
  errorOf,
  httpOf,
  payload,
  type RelayHttp,
  RelayProcess,
  registerDevice,
  sleep,
} from '@parley/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';

let relay: RelayProcess;
let http: RelayHttp;

beforeAll(async () => {
  relay = await RelayProcess.start({
    args: ['--challenge-ttl', '1s', '--token-ttl', '3s', '--envelope-ttl', '3s', '--sweep-interval', '500ms'],
  });
  http = httpOf(relay);
});

afterAll(async () => {
  await relay?.dispose();
});

it('refuses an expired challenge with CHALLENGE_INVALID', async () => {
  const { device } = await registerDevice(http);
  const { challenge } = await http.challenge(device);
  await sleep(1300);
  const result = await http.request(routes.token, { body: device.tokenRequest(challenge, http.relayUrl) });
  expect(result.status).toBe(401);
  expect(errorOf(result).code).toBe('CHALLENGE_INVALID');
});

it('tells an expired token apart (TOKEN_EXPIRED) over HTTP, at the handshake and mid-connection', async () => {
  const { token, device } = await registerDevice(http);
  const socket = await connect(relay, token);
  await socket.waitFor(() => socket.queueEmptyCount === 1, 5_000, 'connected');
  // The relay closes the socket when the token expires, saying why.
  await socket.waitFor(() => socket.disconnected, 5_000, 'disconnect at token expiry');
  expect(socket.relayErrors.map((e) => e.code)).toEqual(['TOKEN_EXPIRED']);

  const overHttp = await http.request(routes.keyCount, { token });
  expect(overHttp.status).toBe(401);
  expect(errorOf(overHttp).code).toBe('TOKEN_EXPIRED');
  await expect(connect(relay, token)).rejects.toMatchObject({ data: { code: 'TOKEN_EXPIRED' } });

  // A fresh token works again.
  const fresh = await http.token(device);
  expect((await http.request(routes.keyCount, { token: fresh.token })).status).toBe(200);
});

it('expires undelivered envelopes after the TTL and counts them', async () => {
  const sender = await registerDevice(http);
  const recipient = await registerDevice(http);
  const socket = await connect(relay, sender.token);
  const sent = await socket.send({
    recipient: recipient.device.accountId,
    messages: [{ deviceId: 1, type: 'message', content: payload('too-late') }],
  });
  socket.close();
  expect(sent.ok).toBe(true);
  await sleep(4000);
  const metrics = String((await http.request(routes.metrics)).body);
  expect(metrics).toMatch(/parley_relay_envelopes_expired_total [1-9]/);
  const fresh = await http.token(recipient.device);
  const late = await connect(relay, fresh.token);
  try {
    await late.waitFor(() => late.queueEmptyCount === 1, 5_000, 'drain');
    expect(late.received).toHaveLength(0);
  } finally {
    late.close();
  }
});
