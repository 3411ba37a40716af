/**
 * The benchmark's group fan-out phase (issue 13): one group message to 100
 * and to 256 members of one relay, sent as a client sends it: encrypted once
 * with the sender's chain and sealed for every member device in one
 * multi-recipient upload (POST /v1/messages/multi-recipient), which the relay
 * splits into one envelope per device and commits in one transaction before
 * it answers. Beside it, the same message sealed 1:1 to each member (what a
 * client without multi-recipient sends would upload).
 *
 * Setup, not measured: a relay of its own (durable SQLite, synchronous FULL),
 * a sender and the members registered with real keys (crypto-core), sessions
 * from fetched bundles, the sender's chain distributed over them, and one
 * answer from every member so that 1:1 messages are steady-state Signal
 * messages, not the larger first (PreKey) ones. Members have one device each
 * and stay offline: their envelopes are committed and queued.
 *
 * Measured per message, `sends` times per group size, one after the other on
 * an otherwise idle relay: the upload's bytes; the sender's encrypt time;
 * the time from POST to the answer, which the relay gives only once every
 * envelope is durably committed (an upper bound on the relay's part: it also
 * holds the HTTP round trip on loopback); the relay process's CPU time over
 * all the timed sends (from /proc, a 10 ms clock), per message.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type DeviceAddress, toBase64 } from '@parley/crypto-core';
import {
  base64DecodedLength,
  multiRecipientSendResponseSchema,
  parseWire,
  routes,
  type SendRequest,
  SSV2_DEVICE_BYTES,
  SSV2_RECIPIENT_BYTES,
} from '@parley/crypto-core/wire';
import { GroupSender, type RegisteredDevice, RelayHttp, registerDevice } from '@parley/test-support';
import { ServerProcess } from './server-process.js';

export interface GroupFanoutPlan {
  /** Group sizes (members besides the sender), e.g. [100, 256]. */
  readonly sizes: readonly number[];
  /** Messages timed per size. */
  readonly sends: number;
  readonly workDir: string;
  readonly relayExtraArgs: readonly string[];
}

/** Percentiles of one measurement, in ms. */
export interface Spread {
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

export interface GroupFanoutFigures {
  readonly members: number;
  readonly sends: number;
  /** Envelopes the relay stores per message: one per member device. */
  readonly envelopesPerMessage: number;
  /** The multi-recipient upload (decoded `payload`) and the whole request body. */
  readonly uploadBytes: number;
  readonly requestBodyBytes: number;
  /** One steady-state 1:1 sealed message to one member. */
  readonly oneToOneMessageBytes: number;
  /** The message sealed 1:1 to every member: ciphertext bytes, and the send requests as JSON. */
  readonly oneToOneTotalBytes: number;
  readonly oneToOneRequestBytes: number;
  /** The aim: the upload within 2x one 1:1 message, plus each member's key material (65 bytes, 3 per device). */
  readonly uploadAimBytes: number;
  readonly uploadAimMet: boolean;
  /** Encrypting and sealing one message for all members. */
  readonly encryptMs: Spread;
  /** Sealing the message 1:1 to every member, once. */
  readonly oneToOneEncryptMs: number;
  /** POST to answer, the answer coming after every envelope is committed. */
  readonly postToCommitMs: Spread;
  /** Relay CPU per message (user + system), or null where /proc cannot tell. */
  readonly relayCpuMsPerMessage: number | null;
}

export interface GroupFanoutResult {
  /** Plaintext bytes of each message: a short text padded to the smallest content bucket. */
  readonly plaintextBytes: number;
  readonly runs: readonly GroupFanoutFigures[];
  readonly relayDurability: unknown;
}

/** A short text as its padded content is long: the smallest padding bucket (crypto-core content). */
const MESSAGE_TEXT = 'm'.repeat(160);
const WARM_UP_SENDS = 2;
/** Registrations in flight at once. */
const REGISTER_CONCURRENCY = 8;
/** Setup fetches every member's bundle from one account: far above a client's limits. */
const SETUP_LIMITS = ['--bundle-rate', '1000000', '--bundle-burst', '1000000'];

function spread(samples: readonly number[]): Spread {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] ?? 0 };
}

async function registerMembers(http: RelayHttp, count: number): Promise<RegisteredDevice[]> {
  const members: RegisteredDevice[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      members[index] = await registerDevice(http, { preKeys: 1, kyberPreKeys: 1 });
    }
  };
  await Promise.all(Array.from({ length: Math.min(REGISTER_CONCURRENCY, count) }, worker));
  return members;
}

/** Sessions with every member, the sender's chain distributed over them, and one answer from each. */
async function formGroup(http: RelayHttp, sender: GroupSender, members: readonly RegisteredDevice[]) {
  const addresses: DeviceAddress[] = [];
  for (const member of members) addresses.push(...(await sender.startSessions(http, member.device.accountId)));
  await sender.distributeTo(members.map((member) => member.device));
  const own = sender.member.device;
  for (const { device } of members) {
    await own.session.decrypt(device.address, await device.session.encrypt(own.address, new Uint8Array([1])));
  }
  return addresses;
}

/** The message sealed 1:1 to each member: bytes and time, as a client without multi-recipient sends would. */
async function sealOneToOne(sender: GroupSender, addresses: readonly DeviceAddress[]) {
  const plaintext = new TextEncoder().encode(MESSAGE_TEXT);
  const started = performance.now();
  const sealed = [];
  for (const address of addresses) sealed.push(await sender.sealed.encrypt(address, plaintext, sender.certificate));
  const ms = performance.now() - started;
  const requests = sealed.map((ciphertext, index): SendRequest => {
    const address = addresses[index] as DeviceAddress;
    const content = toBase64(ciphertext);
    return { recipient: address.accountId, messages: [{ deviceId: address.deviceId, type: 'sealed', content }] };
  });
  return {
    ms,
    messageBytes: sealed[0]?.byteLength ?? 0,
    totalBytes: sealed.reduce((sum, ciphertext) => sum + ciphertext.byteLength, 0),
    requestBytes: requests.reduce((sum, request) => sum + JSON.stringify(request).length, 0),
  };
}

async function measure(
  relay: ServerProcess,
  http: RelayHttp,
  sender: GroupSender,
  addresses: readonly DeviceAddress[],
  sends: number,
): Promise<GroupFanoutFigures> {
  const recipients = addresses.map(({ accountId }) => ({ accountId }));
  const post = async () => {
    const encryptStarted = performance.now();
    const payload = await sender.upload(MESSAGE_TEXT, addresses);
    const encryptMs = performance.now() - encryptStarted;
    const body = JSON.stringify(GroupSender.request(payload, recipients));
    const posted = performance.now();
    const answer = await http.request(routes.multiRecipientMessages, { rawBody: body, token: sender.member.token });
    const commitMs = performance.now() - posted;
    if (answer.status !== 200)
      throw new Error(`multi-recipient send refused (${answer.status}): ${JSON.stringify(answer.body)}`);
    const { envelopes } = parseWire(multiRecipientSendResponseSchema, answer.body, 'multi-recipient answer');
    return { payload, body, encryptMs, commitMs, envelopes: envelopes.length };
  };
  for (let i = 0; i < WARM_UP_SENDS; i++) await post();
  // CPU over all the timed sends at once: /proc counts 10 ms ticks, and the relay idles between sends.
  const cpuBefore = relay.cpuSeconds();
  const samples = [];
  for (let i = 0; i < sends; i++) samples.push(await post());
  const cpuAfter = relay.cpuSeconds();
  const last = samples[samples.length - 1];
  if (last === undefined) throw new Error('no sends measured');
  const oneToOne = await sealOneToOne(sender, addresses);
  const uploadBytes = base64DecodedLength(last.payload);
  const keyBytes = addresses.length * (SSV2_RECIPIENT_BYTES + SSV2_DEVICE_BYTES);
  const uploadAimBytes = 2 * oneToOne.messageBytes + keyBytes;
  const cpu = cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1000) / sends;
  return {
    members: addresses.length,
    sends,
    envelopesPerMessage: last.envelopes,
    uploadBytes,
    requestBodyBytes: last.body.length,
    oneToOneMessageBytes: oneToOne.messageBytes,
    oneToOneTotalBytes: oneToOne.totalBytes,
    oneToOneRequestBytes: oneToOne.requestBytes,
    uploadAimBytes,
    uploadAimMet: uploadBytes <= uploadAimBytes,
    encryptMs: spread(samples.map((sample) => sample.encryptMs)),
    oneToOneEncryptMs: oneToOne.ms,
    postToCommitMs: spread(samples.map((sample) => sample.commitMs)),
    relayCpuMsPerMessage: cpu,
  };
}

/** Runs the phase on a relay of its own, which it stops (and whose data it leaves in `workDir`). */
export async function runGroupFanout(
  plan: GroupFanoutPlan,
  progress: (message: string) => void,
): Promise<GroupFanoutResult> {
  const largest = Math.max(...plan.sizes);
  const relay = await ServerProcess.startRelay({
    dataDir: join(plan.workDir, 'group-fanout-relay'),
    extraArgs: [...SETUP_LIMITS, ...plan.relayExtraArgs],
  });
  try {
    const http = new RelayHttp(relay.url);
    progress(`group fan-out: registering a sender and ${largest} members, sessions with each`);
    const sender = await GroupSender.create(http, await registerDevice(http, { preKeys: 1, kyberPreKeys: 1 }));
    const addresses = await formGroup(http, sender, await registerMembers(http, largest));
    const runs: GroupFanoutFigures[] = [];
    for (const size of plan.sizes) {
      progress(`group fan-out: ${plan.sends} messages to ${size} members`);
      runs.push(await measure(relay, http, sender, addresses.slice(0, size), plan.sends));
    }
    return { plaintextBytes: MESSAGE_TEXT.length, runs, relayDurability: relay.durability };
  } finally {
    await relay.stop();
  }
}
