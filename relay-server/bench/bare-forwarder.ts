/**
 * The benchmark's baseline: a bare socket.io forwarder with the relay's event
 * shapes and nothing else. No authentication (the handshake names the
 * account), no validation, no storage, no rate limits: a `send` is answered
 * at once and its envelope pushed to the recipient's socket; an `ack` is
 * answered at once. What the relay costs beyond socket.io itself is the
 * difference between the two.
 *
 * Run by relay-bench.ts as its own process on 127.0.0.1 and a free port; it
 * prints one JSON line with its URL and stops on SIGTERM or SIGINT.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  AccountId,
  AckRequest,
  AckResult,
  ClientToServerEvents,
  Envelope,
  SendRequest,
  SendResult,
  ServerToClientEvents,
} from '@parley/crypto-core/wire';
import { Server, type Socket } from 'socket.io';

// biome-ignore lint/complexity/noBannedTypes: socket.io's "no inter-server events" type is an empty map.
type NoInterServerEvents = {};

type ForwarderSocket = Socket<ClientToServerEvents, ServerToClientEvents, NoInterServerEvents>;

const httpServer = createServer();
const io = new Server<ClientToServerEvents, ServerToClientEvents, NoInterServerEvents>(httpServer, {
  transports: ['websocket'],
  serveClient: false,
});
const byAccount = new Map<string, ForwarderSocket>();

io.on('connection', (socket) => {
  // Unchecked: the forwarder trusts the handshake, which is the point of a baseline.
  const accountId = String((socket.handshake.auth as { accountId?: unknown }).accountId ?? socket.id) as AccountId;
  byAccount.set(accountId, socket);
  socket.on('disconnect', () => {
    if (byAccount.get(accountId) === socket) byAccount.delete(accountId);
  });
  socket.on('send', (request: SendRequest, answer: (result: SendResult) => void) => {
    const now = Date.now();
    const recipient = byAccount.get(request.recipient);
    const envelopeIds = request.messages.map((message) => {
      const envelope: Envelope = {
        id: randomUUID(),
        type: message.type,
        source: { accountId, deviceId: 1 },
        destinationDeviceId: message.deviceId,
        content: message.content,
        serverTimestamp: now,
      };
      recipient?.emit('envelopes', [envelope]);
      return envelope.id;
    });
    answer({ ok: true, envelopeIds, serverTimestamp: now });
  });
  socket.on('ack', (request: AckRequest, answer: (result: AckResult) => void) => {
    answer({ ok: true, deleted: request.envelopeIds.length });
  });
});

httpServer.listen(0, '127.0.0.1', () => {
  const { port } = httpServer.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});

const stop = (): void => {
  // Closes every socket, then the HTTP server.
  void io.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
