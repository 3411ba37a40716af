/**
 * `npm run bench -w desktop`: an offline client comes online to 10,000 queued
 * messages and drains them (decrypt in the vault, commit in IndexedDB, ack),
 * with the engine in Chromium and the vault behind the web shell, as the app
 * runs; beside decrypt-only with raw libsignal in the same run.
 *
 * 1. A relay process on 127.0.0.1 (temporary data folder, rate limits raised).
 * 2. The renderer is built (app + bench page) into a temporary folder; the web
 *    shell CLI serves it with a temporary profile; Debian's Chromium opens the
 *    bench page (src/renderer/bench), whose Engine creates the account on the
 *    relay (passphrase: Argon2id as the web shell does).
 * 3. A sender in Node (crypto-core test device, registered on the relay)
 *    starts a session from the receiver's bundle and sends one sealed hello;
 *    the engine stores it and its delivery receipt comes back, so the session
 *    is established both ways as in a conversation. The engine stops.
 * 4. The sender sends N sealed-sender text messages (encodeContent, v:1,
 *    padded: what the vault sends by default), which queue at the relay.
 * 5. The page starts a fresh Engine; timed from start until the engine's
 *    initial drain is stored (whenDrained), all N+1 messages are counted in
 *    IndexedDB, and the relay's store holds nothing for the receiver (acked).
 * 6. Raw libsignal sealed decrypt of N messages of the same shape.
 *
 *   npm run bench -w desktop [-- messages]
 *
 * Ends with one JSON line of every figure. Exits 1 on any failure or timeout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeContent, SealedSenderCipher } from '@parley/crypto-core';
import {
  parseWire,
  routes,
  type SendRequest,
  senderCertificateResponseSchema,
  trustRootResponseSchema,
} from '@parley/crypto-core/wire';
import { DeviceSocket, RelayHttp, TestDevice } from '@parley/test-support';
import { type Browser, chromium } from '@playwright/test';
import Database from 'better-sqlite3';
import type { DrainResult } from '../src/renderer/bench/bench-page.js';
import { relayMetric } from '../test/support/relay-metrics.js';
import { type RelayProcess, startRelay } from '../test/support/test-relay.js';
import { buildRenderer } from '../test/web-shell/support/build-renderer.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/web-shell/support/chromium.js';
import { type ShellProcess, startShellProcess } from '../test/web-shell/support/shell-process.js';
import { cpuSecondsByRole, cpuSpent } from './process-cpu.js';
import { stageSummary } from './stage-summary.js';

const MESSAGES = Number(process.argv[2] ?? 10_000);
const OVERALL_TIMEOUT_MS = 9 * 60_000;
const DRAIN_TIMEOUT_MS = 5 * 60_000;
const SEND_WINDOW = 250;

function seconds(ms: number): number {
  return Number((ms / 1000).toFixed(3));
}

function round3(value: number): number {
  return Number(value.toFixed(3));
}

async function waitUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

function bodyText(i: number): string {
  return `Message ${i}: ${'lorem ipsum dolor sit amet '.repeat(3)}`;
}

const cleanups: (() => Promise<unknown>)[] = [];

async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.reverse()) {
    try {
      await Promise.race([cleanup(), new Promise((resolve) => setTimeout(resolve, 15_000))]);
    } catch (error) {
      console.error('cleanup failed:', error);
    }
  }
  cleanups.length = 0;
}

async function run(): Promise<void> {
  const t0 = performance.now();
  const workDir = await mkdtemp(join(tmpdir(), 'parley-desktop-bench-'));
  cleanups.push(() => rm(workDir, { recursive: true, force: true }));
  const rendererDir = join(workDir, 'renderer');
  const profileDir = join(workDir, 'profile');

  let mark = performance.now();
  await buildRenderer(rendererDir);
  const buildMs = performance.now() - mark;

  mark = performance.now();
  const relay: RelayProcess = await startRelay();
  cleanups.push(() => relay.dispose());
  const relayMs = performance.now() - mark;

  mark = performance.now();
  const shell: ShellProcess = await startShellProcess([
    '--profile',
    profileDir,
    '--port',
    '0',
    '--relay',
    relay.url,
    '--renderer',
    rendererDir,
  ]);
  cleanups.push(async () => {
    const stopped = shell.stop();
    const timer = setTimeout(() => shell.child.kill('SIGKILL'), 10_000);
    await stopped;
    clearTimeout(timer);
  });
  // Same browser settings as the app: the relay answers CORS for the page's origin.
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
    timeout: 60_000,
  });
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  page.setDefaultTimeout(120_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`http://127.0.0.1:${shell.port}/bench/index.html#token=${shell.token}`);
  await page.waitForFunction(() => window.parleyBench !== undefined, undefined, { timeout: 30_000 });
  const shellMs = performance.now() - mark;

  mark = performance.now();
  const passphrase = `bench-${crypto.randomUUID()}`;
  const receiver = await page.evaluate(
    ([url, secret]) => {
      const bench = window.parleyBench;
      if (bench === undefined) throw new Error('bench page not ready');
      return bench.createAccount(url, secret);
    },
    [relay.url, passphrase] as const,
  );
  const accountMs = performance.now() - mark;
  const receiverAddress = { accountId: receiver.accountId, deviceId: receiver.deviceId };

  // The sender: registered, session from the receiver's bundle, sealed sender with the relay's certificate.
  mark = performance.now();
  const http = new RelayHttp(relay.url);
  const sender = await TestDevice.create();
  const { token } = await http.register(sender);
  const [bundle] = (await http.fetchBundles(token, receiver.accountId, receiver.deviceId)).bundles;
  if (bundle === undefined) throw new Error('the relay returned no bundle for the receiver');
  await sender.session.startSession(bundle);
  const trustRoot = new Uint8Array(
    Buffer.from(
      parseWire(trustRootResponseSchema, (await http.request(routes.trustRoot)).body, 'trust root').publicKey,
      'base64',
    ),
  );
  const certificate = parseWire(
    senderCertificateResponseSchema,
    (await http.request(routes.senderCertificate, { token })).body,
    'sender certificate',
  );
  const senderCertificate = new Uint8Array(Buffer.from(certificate.certificate, 'base64'));
  const sealer = new SealedSenderCipher(sender.store, sender.address, trustRoot);
  const socket = await DeviceSocket.connect(relay.url, token, { autoAck: true });
  cleanups.push(async () => socket.close());
  const sealed = async (i: number, body: string): Promise<SendRequest> => {
    const plaintext = encodeContent({ type: 'text', id: crypto.randomUUID(), sentAt: Date.now() + i, body });
    const content = await sealer.encrypt(receiverAddress, plaintext, senderCertificate);
    return {
      recipient: receiver.accountId,
      messages: [{ deviceId: receiver.deviceId, type: 'sealed', content: Buffer.from(content).toString('base64') }],
    };
  };
  const sendOrThrow = async (request: SendRequest) => {
    const result = await socket.send(request);
    if (!result.ok) throw new Error(`send refused: ${JSON.stringify(result)}`);
  };

  // Hello, and the engine's delivery receipt back: the session is established both ways.
  await sendOrThrow(await sealed(0, 'hello'));
  await socket.waitFor(() => socket.received.length > 0, 60_000, "the engine's delivery receipt");
  for (const envelope of socket.received) {
    await sealer.decrypt(new Uint8Array(Buffer.from(envelope.content, 'base64')));
  }
  await waitUntil('the hello committed in IndexedDB', 30_000, async () =>
    (await page.evaluate(() => window.parleyBench?.countMessages() ?? 0)) >= 1 ? true : null,
  );
  await page.evaluate(() => window.parleyBench?.stopEngine());
  const handshakeMs = performance.now() - mark;

  // The queue: N sealed texts, encrypted in order, sent in windows of concurrent sends.
  mark = performance.now();
  const requests: SendRequest[] = [];
  for (let i = 1; i <= MESSAGES; i++) requests.push(await sealed(i, bodyText(i)));
  const encryptMs = performance.now() - mark;
  mark = performance.now();
  for (let start = 0; start < requests.length; start += SEND_WINDOW) {
    await Promise.all(requests.slice(start, start + SEND_WINDOW).map(sendOrThrow));
  }
  const store = new Database(join(relay.dataDir, 'relay.sqlite'), { readonly: true, fileMustExist: true });
  cleanups.push(async () => store.close());
  const queued = store.prepare<[string, number], { n: number }>(
    'SELECT COUNT(*) AS n FROM envelopes WHERE recipient = ? AND device_id = ?',
  );
  const queuedForReceiver = () => queued.get(receiver.accountId, receiver.deviceId)?.n ?? -1;
  await waitUntil(`${MESSAGES} envelopes queued`, 60_000, async () => (queuedForReceiver() === MESSAGES ? true : null));
  const sendMs = performance.now() - mark;
  const queuedBefore = queuedForReceiver();

  // The timed drain: the page reports when the engine stored it, the relay's store when it was acked.
  const expected = MESSAGES + 1;
  const cpuBefore = cpuSecondsByRole();
  const drainStart = performance.now();
  await page.evaluate((count) => window.parleyBench?.beginDrain(count), expected);
  let pageMs: number | null = null;
  const pageDone = page
    .evaluate(() => {
      const bench = window.parleyBench;
      if (bench === undefined) throw new Error('bench page lost');
      return bench.drainFinished();
    })
    .then((result) => {
      pageMs = performance.now() - drainStart;
      return result;
    });
  pageDone.catch(() => {});
  const ackedMs = await waitUntil(
    'every envelope acked',
    DRAIN_TIMEOUT_MS,
    async () => (queuedForReceiver() === 0 ? performance.now() - drainStart : null),
    20,
  );
  let pageTimer: NodeJS.Timeout | undefined;
  const final: DrainResult = await Promise.race([
    pageDone,
    new Promise<never>((_, reject) => {
      pageTimer = setTimeout(() => reject(new Error('the page did not report the drain stored')), DRAIN_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(pageTimer));
  const drainMs = Math.max(ackedMs, pageMs ?? 0);
  const cpu = cpuSpent(cpuBefore, cpuSecondsByRole());
  const committed = await page.evaluate(() => window.parleyBench?.countMessages() ?? 0);
  if (committed !== expected) throw new Error(`IndexedDB holds ${committed} messages, expected ${expected}`);
  const queueDepthMetric = await relayMetric(relay.url, 'parley_relay_queue_depth');
  await page.evaluate(() => window.parleyBench?.stopEngine());
  const stages = stageSummary(final.batches);

  // Decrypt-only with raw libsignal, same shape of message, same process run.
  const { benchRawDecrypt } = await import('./raw-decrypt.js');
  const raw = await benchRawDecrypt({
    sender,
    sealer,
    senderCertificate,
    trustRoot,
    messages: MESSAGES,
    makeText: (i) =>
      encodeContent({ type: 'text', id: crypto.randomUUID(), sentAt: Date.now() + i, body: bodyText(i) }),
  });

  const drainPerSecond = MESSAGES / (drainMs / 1000);
  const figures = {
    messages: MESSAGES,
    envelope_kind: 'sealed',
    drain_seconds: seconds(drainMs),
    drain_messages_per_s: Math.round(drainPerSecond),
    raw_decrypt_seconds: Number(raw.seconds.toFixed(3)),
    raw_decrypt_messages_per_s: Math.round(raw.messagesPerSecond),
    ratio: Number((drainPerSecond / raw.messagesPerSecond).toFixed(3)),
    drain_engine_start_seconds: seconds(final.startedMs),
    drain_when_drained_seconds: seconds(final.drainedMs),
    drain_all_committed_seconds: seconds(final.committedMs),
    drain_relay_queue_empty_seconds: seconds(ackedMs),
    drain_batches: stages.batches,
    drain_batch_mean_ms_prefilter: stages.prefilterMs,
    drain_batch_mean_ms_wait_for_commit_slot: stages.waitMs,
    drain_batch_mean_ms_vault_decrypt_round_trip: stages.decryptMs,
    drain_batch_mean_ms_plan: stages.planMs,
    drain_batch_mean_ms_dexie_commit: stages.commitMs,
    drain_cpu_seconds_vault: round3(cpu.vault),
    drain_cpu_seconds_chromium: round3(cpu.chromium),
    drain_cpu_seconds_relay: round3(cpu.relay),
    drain_cpu_seconds_bench: round3(cpu.bench),
    committed_messages: committed,
    relay_queued_before: queuedBefore,
    relay_queue_depth_after: queueDepthMetric,
    setup_build_seconds: seconds(buildMs),
    setup_relay_seconds: seconds(relayMs),
    setup_shell_and_browser_seconds: seconds(shellMs),
    setup_create_account_seconds: seconds(accountMs),
    setup_handshake_seconds: seconds(handshakeMs),
    setup_encrypt_seconds: seconds(encryptMs),
    setup_send_seconds: seconds(sendMs),
    total_seconds: seconds(performance.now() - t0),
    page_errors: pageErrors.length,
  };
  console.log(`desktop drain bench: ${MESSAGES} sealed text messages queued for an offline client`);
  console.log(
    `  setup: build ${figures.setup_build_seconds}s, relay ${figures.setup_relay_seconds}s, shell+browser ${figures.setup_shell_and_browser_seconds}s, account ${figures.setup_create_account_seconds}s, handshake ${figures.setup_handshake_seconds}s, encrypt ${figures.setup_encrypt_seconds}s, send ${figures.setup_send_seconds}s`,
  );
  console.log(
    `  drain (Chromium engine, IndexedDB, vault over web shell): ${figures.drain_seconds}s = ${figures.drain_messages_per_s} msg/s (engine started ${figures.drain_engine_start_seconds}s, drained ${figures.drain_when_drained_seconds}s, all committed ${figures.drain_all_committed_seconds}s, relay queue empty ${figures.drain_relay_queue_empty_seconds}s)`,
  );
  console.log(
    `  per batch of ~${Math.round(MESSAGES / Math.max(1, stages.batches))} (mean ms): prefilter ${stages.prefilterMs}, waiting for the commit stage ${stages.waitMs}, vault decrypt round trip ${stages.decryptMs}, plan ${stages.planMs}, Dexie commit ${stages.commitMs}; the stages overlap`,
  );
  console.log(
    `  CPU seconds during the drain: vault ${figures.drain_cpu_seconds_vault}, Chromium ${figures.drain_cpu_seconds_chromium}, relay ${figures.drain_cpu_seconds_relay}, bench driver ${figures.drain_cpu_seconds_bench}`,
  );
  console.log(
    `  raw libsignal sealed decrypt-only: ${figures.raw_decrypt_seconds}s = ${figures.raw_decrypt_messages_per_s} msg/s`,
  );
  console.log(`  ratio drain / decrypt-only: ${figures.ratio} (aim >= 0.5)`);
  console.log(JSON.stringify(figures));
}

const overall = setTimeout(() => {
  console.error(`desktop bench: overall timeout of ${OVERALL_TIMEOUT_MS} ms`);
  void cleanUp().finally(() => process.exit(1));
}, OVERALL_TIMEOUT_MS);

try {
  await run();
  await cleanUp();
  clearTimeout(overall);
} catch (error) {
  console.error('desktop bench failed:', error);
  await cleanUp();
  clearTimeout(overall);
  process.exitCode = 1;
}
