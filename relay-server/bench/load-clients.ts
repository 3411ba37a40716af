/**
 * The benchmark's clients: one socket.io-client websocket per account, all in
 * the load process, paired (0 with 1, 2 with 3, ...) so each sends to its
 * partner and acks what it receives, as a Parley client does (it would ack
 * after its own store committed; here at once). The pool counts what was
 * sent, accepted, received and refused, and records each delivery's latency
 * in its DeliveryRecorder; the drivers in load-phases.ts decide when to send.
 */
import { performance } from 'node:perf_hooks';
import type {
  AccountId,
  AckResult,
  ClientToServerEvents,
  Envelope,
  SendRequest,
  SendResult,
  ServerToClientEvents,
} from '@parley/crypto-core/wire';
import { io, type Socket } from 'socket.io-client';
import type { ErrorCounts } from './bench-protocol.js';
import { DeliveryRecorder } from './delivery-recorder.js';
import { sentAtOf, timedPayload } from './timed-payload.js';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface PoolMember {
  readonly accountId: AccountId;
  /** The socket.io handshake `auth` payload. */
  readonly auth: Readonly<Record<string, unknown>>;
}

/** Connections opened at once while connecting the pool. */
const CONNECT_CONCURRENCY = 50;
const CONNECT_TIMEOUT_MS = 20_000;

/** Called when the server answered a send: the drivers use it to keep their windows full. */
export type SendSettled = (client: number, accepted: boolean) => void;

export function partnerOf(client: number, count: number): number {
  const partner = client % 2 === 0 ? client + 1 : client - 1;
  return partner < count ? partner : 0;
}

function connectOne(url: string, member: PoolMember): Promise<ClientSocket> {
  const socket: ClientSocket = io(url, {
    transports: ['websocket'],
    // One engine per client: without it socket.io-client multiplexes every
    // socket to the same URL over one websocket.
    forceNew: true,
    reconnection: false,
    timeout: CONNECT_TIMEOUT_MS,
    auth: { ...member.auth },
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

export class ClientPool {
  readonly recorder = new DeliveryRecorder();
  onSendSettled: SendSettled = () => undefined;

  readonly #sockets: ClientSocket[];
  readonly #recipients: AccountId[];
  readonly #outstanding: Int32Array;
  /** Envelope ids received since the last reset, to count duplicates. */
  readonly #seen = new Set<string>();
  #outstandingTotal = 0;
  #accepted = 0;
  #received = 0;
  #sendsRefused = 0;
  #acksRefused = 0;
  #duplicates = 0;
  #disconnects = 0;
  #closing = false;

  private constructor(sockets: ClientSocket[], members: readonly PoolMember[]) {
    this.#sockets = sockets;
    this.#recipients = members.map(
      (_, index) => members[partnerOf(index, members.length)]?.accountId ?? members[0]?.accountId ?? ('' as AccountId),
    );
    this.#outstanding = new Int32Array(sockets.length);
    for (const socket of sockets) {
      socket.on('envelopes', (batch) => this.#receive(socket, batch));
      socket.on('disconnect', () => {
        if (!this.#closing) this.#disconnects++;
      });
    }
  }

  /**
   * Connects one socket per member; all or nothing. With several URLs (relay
   * nodes) member i connects to urls[i % urls.length], so partners sit on
   * neighbouring nodes.
   */
  static async connect(urls: string | readonly string[], members: readonly PoolMember[]): Promise<ClientPool> {
    const nodeUrls = typeof urls === 'string' ? [urls] : urls;
    const sockets: ClientSocket[] = new Array(members.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < members.length) {
        const index = next++;
        const member = members[index];
        const url = nodeUrls[index % nodeUrls.length];
        if (member !== undefined && url !== undefined) sockets[index] = await connectOne(url, member);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, members.length) }, worker));
    } catch (error) {
      for (const socket of sockets) socket?.close();
      throw error;
    }
    return new ClientPool(sockets, members);
  }

  get size(): number {
    return this.#sockets.length;
  }

  outstanding(client: number): number {
    return this.#outstanding[client] ?? 0;
  }

  get outstandingTotal(): number {
    return this.#outstandingTotal;
  }

  /** True when every accepted envelope has arrived and no send awaits its answer. */
  get settled(): boolean {
    return this.#outstandingTotal === 0 && this.#received >= this.#accepted;
  }

  /** One ~600-byte envelope from `client` to its partner, stamped with the send time. */
  send(client: number): void {
    const socket = this.#sockets[client];
    const recipient = this.#recipients[client];
    if (socket === undefined || recipient === undefined) return;
    const request: SendRequest = {
      recipient,
      messages: [{ deviceId: 1, type: 'message', content: timedPayload(performance.now()) }],
    };
    this.#outstanding[client] = this.outstanding(client) + 1;
    this.#outstandingTotal++;
    socket.emit('send', request, (result: SendResult) => {
      this.#outstanding[client] = this.outstanding(client) - 1;
      this.#outstandingTotal--;
      if (result.ok) this.#accepted++;
      else this.#sendsRefused++;
      this.onSendSettled(client, result.ok);
    });
  }

  #receive(socket: ClientSocket, batch: Envelope[]): void {
    const now = performance.now();
    const ids: string[] = [];
    for (const envelope of batch) {
      ids.push(envelope.id);
      if (this.#seen.has(envelope.id)) {
        this.#duplicates++;
        continue;
      }
      this.#seen.add(envelope.id);
      this.#received++;
      const sentAt = sentAtOf(envelope.content);
      if (!Number.isNaN(sentAt)) this.recorder.record(now - sentAt);
    }
    socket.emit('ack', { envelopeIds: ids }, (result: AckResult) => {
      if (!result.ok) this.#acksRefused++;
    });
  }

  /** Forgets the ids seen so far (after a drain, when nothing can arrive twice across the boundary). */
  forgetSeen(): void {
    this.#seen.clear();
  }

  errors(): ErrorCounts {
    return {
      sendsRefused: this.#sendsRefused,
      acksRefused: this.#acksRefused,
      duplicates: this.#duplicates,
      undelivered: Math.max(0, this.#accepted - this.#received),
      disconnects: this.#disconnects,
    };
  }

  close(): void {
    this.#closing = true;
    for (const socket of this.#sockets) socket.close();
  }
}
