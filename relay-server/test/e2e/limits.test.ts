/**
 * The relay's storage is bounded (docs/relay.md, Limits), against a real
 * relay process with small limits: each device's queue (envelopes and
 * bytes, exact even when sends race in one commit batch), each account's
 * daily bytes, envelope content counted in decoded bytes, and the rate
 * limits on acks and unknown socket events. Every refusal has its code and
 * shows in /metrics.
 */
import { routes } from '@parley/crypto-core/wire';
import type { DeviceSocket, RelayHttp } from '@parley/test-support';
import { connect, httpOf, payload, type RegisteredDevice, RelayProcess, registerDevice } from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const KiB = 1024;
let relay: RelayProcess;
let http: RelayHttp;

beforeAll(async () => {
  relay = await RelayProcess.start({
    args: [
      '--max-queue-envelopes',
      '100',
      '--max-queue-size',
      '1MiB',
      // The smallest quota the relay takes: the largest single send (16 x 80 KiB).
      '--daily-send-quota',
      '1280KiB',
      // Five acks at once, then one per 100 s: no refill however slow the machine.
      '--ack-burst',
      '5',
      '--ack-rate',
      '0.01',
      '--unknown-event-burst',
      '3',
    ],
  });
  http = httpOf(relay);
});

afterAll(async () => {
  await relay?.dispose();
});

async function metrics(): Promise<string> {
  return String((await http.request(routes.metrics)).body);
}

function refusals(text: string, code: string): number {
  const match = new RegExp(`parley_relay_limit_refusals_total\\{code="${code}"\\} (\\d+)`).exec(text);
  return match === null ? 0 : Number(match[1]);
}

function sendTo(socket: DeviceSocket, recipient: RegisteredDevice, content: string) {
  return socket.send({ recipient: recipient.device.accountId, messages: [{ deviceId: 1, type: 'message', content }] });
}

describe('queues', () => {
  it('refuses sends to a full queue with QUEUE_FULL naming the recipient, exactly at the cap, even when they race', async () => {
    const sender = await registerDevice(http);
    const offline = await registerDevice(http);
    const socket = await connect(relay, sender.token);
    try {
      // 120 sends at once land in one or two commit batches: the cap must hold inside them.
      const results = await Promise.all(
        Array.from({ length: 120 }, (_, i) => sendTo(socket, offline, payload(`q${i}`))),
      );
      expect(results.filter((result) => result.ok)).toHaveLength(100);
      const refused = results.filter((result) => !result.ok);
      expect(refused).toHaveLength(20);
      for (const result of refused) {
        expect(result).toMatchObject({
          ok: false,
          error: { code: 'QUEUE_FULL', recipient: offline.device.accountId, fullDevices: [1] },
        });
      }
      expect(refusals(await metrics(), 'QUEUE_FULL')).toBeGreaterThanOrEqual(20);

      // The recipient comes online and takes its queue: an answered ack is committed, so there is room again.
      const inbox = await connect(relay, offline.token, { autoAck: false });
      try {
        await inbox.waitFor(() => inbox.queueEmptyCount === 1, 10_000, 'drain');
        expect(inbox.received).toHaveLength(100);
        const ids = inbox.received.map((envelope) => envelope.id);
        expect(await inbox.ack(ids.slice(0, 50))).toEqual({ ok: true, deleted: 50 });
      } finally {
        inbox.close();
      }
      expect((await sendTo(socket, offline, payload('after'))).ok).toBe(true);
    } finally {
      socket.close();
    }
  });

  it('caps the decoded bytes queued for a device', async () => {
    const sender = await registerDevice(http);
    const offline = await registerDevice(http);
    const socket = await connect(relay, sender.token);
    try {
      // 12 x 80 KiB = 960 KiB fit in 1 MiB; the 13th does not.
      for (let i = 0; i < 12; i++) expect((await sendTo(socket, offline, payload(`b${i}`, 80 * KiB))).ok).toBe(true);
      const over = await sendTo(socket, offline, payload('b12', 80 * KiB));
      expect(over).toMatchObject({ ok: false, error: { code: 'QUEUE_FULL', fullDevices: [1] } });
      // 64 KiB still fit.
      expect((await sendTo(socket, offline, payload('small', 64 * KiB))).ok).toBe(true);
    } finally {
      socket.close();
    }
  });
});

describe('daily quota', () => {
  it('refuses what would pass the sender’s bytes for the day with QUOTA_EXCEEDED and a retryAfter until midnight UTC', async () => {
    const sender = await registerDevice(http);
    const bystander = await registerDevice(http);
    const recipients = [await registerDevice(http), await registerDevice(http)];
    const socket = await connect(relay, sender.token);
    const other = await connect(relay, bystander.token);
    try {
      // 16 x 80 KiB = 1280 KiB, the whole quota, over two recipients (each queue holds 1 MiB).
      for (let i = 0; i < 16; i++) {
        const result = await sendTo(socket, recipients[i % 2] as RegisteredDevice, payload(`d${i}`, 80 * KiB));
        expect(result.ok, `send ${i}`).toBe(true);
      }
      const before = Date.now();
      const over = await sendTo(socket, recipients[0] as RegisteredDevice, payload('one more'));
      expect(over).toMatchObject({ ok: false, error: { code: 'QUOTA_EXCEEDED' } });
      const retryAfter = over.ok ? 0 : (over.error.retryAfter ?? 0);
      const nextMidnight = (Math.floor(before / 86_400_000) + 1) * 86_400_000;
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(Math.ceil((nextMidnight - before) / 1000) + 1);
      // Another account's quota is its own.
      expect((await sendTo(other, recipients[1] as RegisteredDevice, payload('mine'))).ok).toBe(true);
      expect(refusals(await metrics(), 'QUOTA_EXCEEDED')).toBeGreaterThanOrEqual(1);
    } finally {
      socket.close();
      other.close();
    }
  });
});

describe('envelope size', () => {
  it('counts --max-envelope-size in decoded bytes and answers PAYLOAD_TOO_LARGE one byte over it', async () => {
    const sender = await registerDevice(http);
    const recipient = await registerDevice(http);
    const socket = await connect(relay, sender.token);
    try {
      // 80 KiB + 1 is as long in base64 as 80 KiB + 2 and only 4 characters longer than 80 KiB.
      const over = await sendTo(socket, recipient, payload('x', 80 * KiB + 1));
      expect(over).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
      expect((await sendTo(socket, recipient, payload('x', 80 * KiB))).ok).toBe(true);
      expect(refusals(await metrics(), 'PAYLOAD_TOO_LARGE')).toBeGreaterThanOrEqual(1);
    } finally {
      socket.close();
    }
  });
});

describe('socket rate limits', () => {
  it('limits acks per device with RATE_LIMITED', async () => {
    const device = await registerDevice(http);
    const socket = await connect(relay, device.token);
    try {
      const results = await Promise.all(Array.from({ length: 8 }, () => socket.ack([crypto.randomUUID()])));
      expect(results.slice(0, 5).every((result) => result.ok)).toBe(true);
      const limited = results.slice(5);
      for (const result of limited) expect(result).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
      const first = limited[0];
      if (first !== undefined && !first.ok) expect(first.error.retryAfter).toBeGreaterThan(0);
    } finally {
      socket.close();
    }
  });

  it('answers unknown events with BAD_REQUEST, then closes a connection that keeps sending them', async () => {
    const device = await registerDevice(http);
    const socket = await connect(relay, device.token);
    const emit = socket.socket.emit as (event: string, ...args: unknown[]) => void;
    for (let i = 0; i < 4; i++) emit.call(socket.socket, 'read-someone-elses-queue', { i });
    await socket.waitFor(() => socket.disconnected, 10_000, 'the relay closes the connection');
    expect(socket.relayErrors.map((error) => error.code)).toEqual([
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'RATE_LIMITED',
    ]);
    // Its account is not banned: a new connection works.
    const again = await connect(relay, device.token);
    again.close();
  });
});
