/**
 * Clients of relay nodes behind a balancer: connecting through it and finding
 * out which node took the connection (each node's connection gauge), a sender
 * and a recipient put on different nodes, reconnecting as a client does, and
 * the tally of a stream of sends: what was acknowledged and what arrived.
 */
import { routes } from '@parley/crypto-core/wire';
import { DeviceSocket, labelOf, payload, type RegisteredDevice, type RelayProcess, sleep } from '@parley/test-support';

/** Open socket connections of each node (0 for a node that is down). */
export async function connectionCounts(nodes: readonly RelayProcess[]): Promise<number[]> {
  return Promise.all(
    nodes.map(async (node) => {
      if (!node.running) return 0;
      const text = await (await fetch(`${node.url}${routes.metrics}`)).text();
      const line = text.split('\n').find((row) => row.startsWith('parley_relay_connections '));
      return Number(line?.split(' ')[1] ?? 0);
    }),
  );
}

export interface BalancedSocket {
  readonly socket: DeviceSocket;
  /** Index in `nodes` of the node holding the connection. */
  readonly node: number;
}

/** Connects through the balancer and says which node took the connection (connect one client at a time). */
export async function connectThrough(
  balancerUrl: string,
  nodes: readonly RelayProcess[],
  token: string,
): Promise<BalancedSocket> {
  const before = await connectionCounts(nodes);
  const socket = await DeviceSocket.connect(balancerUrl, token);
  const after = await connectionCounts(nodes);
  return { socket, node: after.findIndex((count, index) => count > (before[index] ?? 0)) };
}

/** A sender and a recipient connected through the balancer to two different nodes. */
export async function connectApart(
  balancerUrl: string,
  nodes: readonly RelayProcess[],
  sender: RegisteredDevice,
  recipient: RegisteredDevice,
): Promise<{ sender: BalancedSocket; recipient: BalancedSocket }> {
  const from = await connectThrough(balancerUrl, nodes, sender.token);
  let to = await connectThrough(balancerUrl, nodes, recipient.token);
  // Round robin gives consecutive connections different nodes; retried a few times all the same.
  for (let attempt = 0; attempt < 5 && to.node === from.node; attempt++) {
    to.socket.close();
    to = await connectThrough(balancerUrl, nodes, recipient.token);
  }
  if (from.node < 0 || to.node < 0 || from.node === to.node) {
    throw new Error(`sender and recipient did not land on two nodes (${from.node}, ${to.node})`);
  }
  return { sender: from, recipient: to };
}

/** As a client does after a dropped connection: connect again, a bounded number of times. */
export async function reconnect(url: string, token: string): Promise<DeviceSocket> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      return await DeviceSocket.connect(url, token);
    } catch (error) {
      lastError = error;
      await sleep(100);
    }
  }
  throw lastError;
}

export interface StreamTally {
  readonly acknowledged: number;
  /** Acknowledged labels that never arrived. */
  readonly lost: string[];
  /** Labels that arrived under more than one envelope id (a client cannot drop those). */
  readonly doubled: number;
  /** Pushes of an id already received (pushed again after a reconnect; dropped by id). */
  readonly redelivered: number;
  readonly distinctReceived: number;
}

/** What arrived on `sockets` (one recipient's connections) against the labels whose sends were acknowledged. */
export function tally(acknowledged: readonly string[], sockets: readonly DeviceSocket[]): StreamTally {
  const all = sockets.flatMap((socket) =>
    socket.received.map((envelope) => ({ id: envelope.id, label: labelOf(envelope.content) })),
  );
  const idsByLabel = new Map<string, Set<string>>();
  for (const entry of all) {
    const ids = idsByLabel.get(entry.label) ?? new Set();
    ids.add(entry.id);
    idsByLabel.set(entry.label, ids);
  }
  return {
    acknowledged: acknowledged.length,
    lost: acknowledged.filter((label) => !idsByLabel.has(label)),
    doubled: [...idsByLabel.values()].filter((ids) => ids.size > 1).length,
    redelivered: all.length - new Set(all.map((entry) => entry.id)).size,
    distinctReceived: idsByLabel.size,
  };
}

/** Resolves once every acknowledged label arrived on one of `sockets` (polled: they may be replaced). */
export async function waitForAll(
  acknowledged: readonly string[],
  sockets: readonly DeviceSocket[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (tally(acknowledged, sockets).lost.length > 0 && Date.now() < deadline) await sleep(50);
}

/** One send of a stream: when it went out, when its answer came, and what it was. */
export interface SendAnswer {
  readonly label: string;
  /** Date.now() when the send was emitted. */
  readonly sentAt: number;
  /** Date.now() when its answer (or the disconnect) arrived. */
  readonly answeredAt: number;
  /** null: acknowledged; else the error code, or `DISCONNECTED`. */
  readonly refusal: string | null;
}

export interface StreamResult {
  /** Labels whose send was acknowledged (`ok: true`). */
  readonly acknowledged: string[];
  /** Error codes of the sends refused, or `DISCONNECTED` for a send whose connection dropped. */
  readonly refusals: string[];
  /** Every send's answer, in the order the answers came. */
  readonly answers: SendAnswer[];
}

/**
 * Sends `count` one-envelope sends labelled `${prefix}${index}`, one every
 * `intervalMs` without waiting for answers, calling `at(index)` before each
 * (not awaited: a fault injected there runs alongside the stream).
 */
export async function sendStream(
  sender: DeviceSocket,
  recipientAccountId: string,
  options: { count: number; intervalMs: number; prefix: string; at?: (index: number) => void },
): Promise<StreamResult> {
  const acknowledged: string[] = [];
  const refusals: string[] = [];
  const answers: SendAnswer[] = [];
  const sends: Promise<void>[] = [];
  for (let index = 0; index < options.count; index++) {
    options.at?.(index);
    const label = `${options.prefix}${index}`;
    const sentAt = Date.now();
    const answer = (refusal: string | null): void => {
      if (refusal === null) acknowledged.push(label);
      else refusals.push(refusal);
      answers.push({ label, sentAt, answeredAt: Date.now(), refusal });
    };
    sends.push(
      sender
        .send({ recipient: recipientAccountId, messages: [{ deviceId: 1, type: 'message', content: payload(label) }] })
        .then(
          (result) => answer(result.ok ? null : result.error.code),
          () => answer('DISCONNECTED'),
        ),
    );
    await sleep(options.intervalMs);
  }
  await Promise.all(sends);
  return { acknowledged, refusals, answers };
}
