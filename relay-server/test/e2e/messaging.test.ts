/**
 * End to end against a real relay process: registration, PQXDH through
 * fetched bundles, both directions, offline drain in order with one
 * queue-empty, redelivery after a disconnect without ack, ephemeral sends,
 * sealed envelopes without a source, prekeys-low, sealed-sender certificates.
 */
import { fromBase64, readSenderCertificate, toBase64, validateSenderCertificate } from '@parley/crypto-core';
import {
  type Envelope,
  parseWire,
  routes,
  senderCertificateResponseSchema,
  trustRootResponseSchema,
} from '@parley/crypto-core/wire';
import type { RelayHttp } from '@parley/test-support';
import { connect, httpOf, labelOf, payload, RelayProcess, registerDevice, sleep } from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let relay: RelayProcess;
let http: RelayHttp;

beforeAll(async () => {
  relay = await RelayProcess.start({
    args: ['--prekeys-low-threshold', '3', '--send-rate', '500', '--send-burst', '500'],
  });
  http = httpOf(relay);
});

afterAll(async () => {
  await relay?.dispose();
});

describe('messaging through a real relay', () => {
  it('two clients establish a PQXDH session through fetched bundles and talk both ways', async () => {
    const alice = await registerDevice(http);
    const bob = await registerDevice(http);
    const aliceSocket = await connect(relay, alice.token);
    const bobSocket = await connect(relay, bob.token);
    try {
      // Alice fetches Bob's bundle (checked by crypto-core against his account id) and starts a session.
      const { bundles } = await http.fetchBundles(alice.token, bob.device.accountId);
      expect(bundles).toHaveLength(1);
      const bundle = bundles[0];
      expect(bundle?.preKey).not.toBeNull();
      const bobAddress = await alice.device.session.startSession(bundle);
      expect(bobAddress).toEqual(bob.device.address);

      const first = await alice.device.session.encrypt(bob.device.address, new TextEncoder().encode('hello bob'));
      expect(first.type).toBe('prekey');
      const sent = await aliceSocket.send({
        recipient: bob.device.accountId,
        messages: [{ deviceId: 1, type: first.type, content: toBase64(first.body) }],
      });
      expect(sent.ok).toBe(true);

      await bobSocket.waitFor(() => bobSocket.received.length === 1, 10_000, 'bob receives');
      const envelope = bobSocket.received[0] as Envelope;
      expect(envelope.source).toEqual(alice.device.address);
      expect(envelope.type).toBe('prekey');
      if (sent.ok) expect(envelope.id).toBe(sent.envelopeIds[0]);
      const plaintext = await bob.device.session.decrypt(alice.device.address, {
        type: 'prekey',
        body: fromBase64(envelope.content),
      });
      expect(new TextDecoder().decode(plaintext)).toBe('hello bob');

      // Bob answers over the established session.
      const reply = await bob.device.session.encrypt(alice.device.address, new TextEncoder().encode('hi alice'));
      expect(reply.type).toBe('message');
      const replied = await bobSocket.send({
        recipient: alice.device.accountId,
        messages: [{ deviceId: 1, type: reply.type, content: toBase64(reply.body) }],
      });
      expect(replied.ok).toBe(true);
      await aliceSocket.waitFor(() => aliceSocket.received.length === 1, 10_000, 'alice receives');
      const answer = aliceSocket.received[0] as Envelope;
      const answerText = await alice.device.session.decrypt(bob.device.address, {
        type: 'message',
        body: fromBase64(answer.content),
      });
      expect(new TextDecoder().decode(answerText)).toBe('hi alice');

      // The one-time prekey handed to Alice is gone: the next fetch gets another one.
      const again = await http.fetchBundles(alice.token, bob.device.accountId, 1);
      expect(again.bundles[0]?.preKey?.keyId).not.toBe(bundle?.preKey?.keyId);
    } finally {
      aliceSocket.close();
      bobSocket.close();
    }
  });

  it('an offline recipient gets everything in order on connect, then exactly one queue-empty', async () => {
    const sender = await registerDevice(http);
    const recipient = await registerDevice(http);
    const senderSocket = await connect(relay, sender.token);
    const count = 250; // more than two drain batches
    try {
      for (let i = 0; i < count; i++) {
        const result = await senderSocket.send({
          recipient: recipient.device.accountId,
          messages: [{ deviceId: 1, type: 'message', content: payload(`m${i}`) }],
        });
        expect(result.ok).toBe(true);
      }
    } finally {
      senderSocket.close();
    }
    const recipientSocket = await connect(relay, recipient.token);
    try {
      await recipientSocket.waitFor(() => recipientSocket.queueEmptyCount === 1, 15_000, 'queue-empty');
      expect(recipientSocket.receivedAtQueueEmpty).toBe(count);
      expect(recipientSocket.received.map((e) => labelOf(e.content))).toEqual(
        Array.from({ length: count }, (_, i) => `m${i}`),
      );
      // Live pushes after the drain do not bring another queue-empty.
      const late = await connect(relay, sender.token);
      await late.send({
        recipient: recipient.device.accountId,
        messages: [{ deviceId: 1, type: 'message', content: payload('late') }],
      });
      late.close();
      await recipientSocket.waitFor(() => recipientSocket.received.length === count + 1, 10_000, 'late message');
      await sleep(200);
      expect(recipientSocket.queueEmptyCount).toBe(1);
      expect(recipientSocket.received.map((e) => e.id)).toHaveLength(
        new Set(recipientSocket.received.map((e) => e.id)).size,
      );
    } finally {
      recipientSocket.close();
    }
  });

  it('a recipient that disconnects before acking gets the envelope again, with the same id', async () => {
    const sender = await registerDevice(http);
    const recipient = await registerDevice(http);
    const senderSocket = await connect(relay, sender.token);
    const first = await connect(relay, recipient.token, { autoAck: false });
    try {
      const sent = await senderSocket.send({
        recipient: recipient.device.accountId,
        messages: [{ deviceId: 1, type: 'message', content: payload('unacked') }],
      });
      expect(sent.ok).toBe(true);
      await first.waitFor(() => first.received.length === 1, 10_000, 'first delivery');
      first.close();

      const second = await connect(relay, recipient.token, { autoAck: false });
      try {
        await second.waitFor(() => second.queueEmptyCount === 1, 10_000, 'redelivery');
        expect(second.received.map((e) => e.id)).toEqual([first.received[0]?.id]);
        const acked = await second.ack(second.received.map((e) => e.id));
        expect(acked).toEqual({ ok: true, deleted: 1 });
      } finally {
        second.close();
      }
      const third = await connect(relay, recipient.token);
      try {
        await third.waitFor(() => third.queueEmptyCount === 1, 10_000, 'empty queue');
        expect(third.received).toHaveLength(0);
      } finally {
        third.close();
      }
    } finally {
      senderSocket.close();
      first.close();
    }
  });

  it('ephemeral envelopes reach online devices only and are never stored', async () => {
    const sender = await registerDevice(http);
    const recipient = await registerDevice(http);
    const senderSocket = await connect(relay, sender.token);
    try {
      // Offline: accepted but dropped.
      const dropped = await senderSocket.send({
        recipient: recipient.device.accountId,
        messages: [{ deviceId: 1, type: 'message', content: payload('typing-offline') }],
        ephemeral: true,
      });
      expect(dropped.ok).toBe(true);
      const online = await connect(relay, recipient.token);
      try {
        await online.waitFor(() => online.queueEmptyCount === 1, 10_000, 'queue-empty');
        expect(online.received).toHaveLength(0);
        await senderSocket.send({
          recipient: recipient.device.accountId,
          messages: [{ deviceId: 1, type: 'message', content: payload('typing') }],
          ephemeral: true,
        });
        await online.waitFor(() => online.received.length === 1, 10_000, 'ephemeral push');
        expect(online.received[0]?.ephemeral).toBe(true);
        expect(labelOf(online.received[0]?.content ?? '')).toBe('typing');
      } finally {
        online.close();
      }
      const later = await connect(relay, recipient.token);
      try {
        await later.waitFor(() => later.queueEmptyCount === 1, 10_000, 'queue-empty');
        expect(later.received).toHaveLength(0);
      } finally {
        later.close();
      }
    } finally {
      senderSocket.close();
    }
  });

  it('stores sealed envelopes without a source and issues sender certificates under the trust root', async () => {
    const sender = await registerDevice(http);
    const recipient = await registerDevice(http);
    const trustRoot = parseWire(trustRootResponseSchema, (await http.request(routes.trustRoot)).body, 'trust root');
    const askedAt = Date.now();
    const certificateResult = await http.request(routes.senderCertificate, { token: sender.token });
    const answeredAt = Date.now();
    expect(certificateResult.status).toBe(200);
    const certificate = parseWire(senderCertificateResponseSchema, certificateResult.body, 'certificate');
    // The relay's clock at issue, by which clients judge freshness; the certificate lives a day from it.
    expect(certificate.serverTime).toBeGreaterThanOrEqual(askedAt);
    expect(certificate.serverTime).toBeLessThanOrEqual(answeredAt);
    expect(certificate.expiresAt - (certificate.serverTime ?? 0)).toBe(24 * 60 * 60 * 1000);
    const certificateBytes = fromBase64(certificate.certificate);
    const info = readSenderCertificate(certificateBytes);
    expect(info.sender).toEqual(sender.device.address);
    expect(() =>
      validateSenderCertificate(certificateBytes, fromBase64(trustRoot.publicKey), Date.now()),
    ).not.toThrow();

    const senderSocket = await connect(relay, sender.token);
    try {
      const sent = await senderSocket.send({
        recipient: recipient.device.accountId,
        messages: [{ deviceId: 1, type: 'sealed', content: payload('sealed') }],
      });
      expect(sent.ok).toBe(true);
    } finally {
      senderSocket.close();
    }
    const recipientSocket = await connect(relay, recipient.token);
    try {
      await recipientSocket.waitFor(() => recipientSocket.queueEmptyCount === 1, 10_000, 'drain');
      expect(recipientSocket.received).toHaveLength(1);
      expect(recipientSocket.received[0]?.type).toBe('sealed');
      expect(recipientSocket.received[0]).not.toHaveProperty('source');
    } finally {
      recipientSocket.close();
    }
  });

  it('tells a device whose one-time prekeys run low, on connect and after a claim', async () => {
    const target = await registerDevice(http, { preKeys: 4, kyberPreKeys: 4 });
    const fetcher = await registerDevice(http);
    const socket = await connect(relay, target.token);
    try {
      await socket.waitFor(() => socket.queueEmptyCount === 1, 10_000, 'connect');
      expect(socket.preKeysLow).toHaveLength(0); // 4 >= threshold 3
      await http.fetchBundles(fetcher.token, target.device.accountId);
      await http.fetchBundles(fetcher.token, target.device.accountId);
      await socket.waitFor(() => socket.preKeysLow.length >= 1, 10_000, 'prekeys-low');
      expect(socket.preKeysLow[0]).toEqual({ preKeys: 2, kyberPreKeys: 2 });
      expect(await http.preKeyCount(target.token)).toEqual({ preKeys: 2, kyberPreKeys: 2 });
    } finally {
      socket.close();
    }
    const again = await connect(relay, target.token);
    try {
      await again.waitFor(() => again.preKeysLow.length === 1, 10_000, 'prekeys-low on connect');
    } finally {
      again.close();
    }
  });

  it('requires every device of the recipient, and of oneself all but the sending one', async () => {
    const first = await registerDevice(http);
    const second = await registerDevice(http, { identity: first.device.identity, deviceId: 2 });
    const stranger = await registerDevice(http);
    const strangerSocket = await connect(relay, stranger.token);
    const firstSocket = await connect(relay, first.token);
    try {
      const partial = await strangerSocket.send({
        recipient: first.device.accountId,
        messages: [
          { deviceId: 1, type: 'message', content: payload('x') },
          { deviceId: 3, type: 'message', content: payload('x') },
        ],
      });
      expect(partial).toMatchObject({
        ok: false,
        error: { code: 'DEVICE_MISMATCH', missingDevices: [2], extraDevices: [3] },
      });
      const sync = await firstSocket.send({
        recipient: first.device.accountId,
        messages: [{ deviceId: 2, type: 'message', content: payload('sync') }],
      });
      expect(sync.ok).toBe(true);
      const secondSocket = await connect(relay, second.token);
      try {
        await secondSocket.waitFor(() => secondSocket.received.length === 1, 10_000, 'sync message');
        expect(secondSocket.received[0]?.source).toEqual(first.device.address);
      } finally {
        secondSocket.close();
      }
    } finally {
      strangerSocket.close();
      firstSocket.close();
    }
  });

  it('serves health and Prometheus metrics', async () => {
    const health = await http.request(routes.health);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', wireVersion: 1, dependencies: { sqlite: { status: 'ok' } } });
    const metrics = await http.request(routes.metrics);
    expect(metrics.status).toBe(200);
    const text = String(metrics.body);
    for (const name of [
      'parley_relay_connections',
      'parley_relay_envelopes_accepted_total',
      'parley_relay_envelopes_delivered_total',
      'parley_relay_envelopes_expired_total',
      'parley_relay_queue_depth',
      'parley_relay_delivery_latency_seconds_bucket',
      'parley_relay_process_cpu_user_seconds_total',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/parley_relay_envelopes_accepted_total [1-9]/);
  });
});
