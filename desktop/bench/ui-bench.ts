/**
 * `npm run bench -w desktop` (its UI part; also on its own:
 * `node --conditions=source --import tsx bench/ui-bench.ts [messages] [stepPx]`):
 * the chat view on a conversation of 100,000 messages in Debian's Chromium.
 *
 * 1. A relay process and the web shell (temporary profile, passphrase vault)
 *    serve the freshly built renderer; Chromium opens the UI bench page
 *    (src/renderer/bench/ui), whose Engine creates the account on the relay.
 * 2. The page seeds one conversation of N messages into IndexedDB as the
 *    engine stores them: bodies sealed with the vault's data key.
 * 3. It mounts the app's ChatView and times mount -> the first animation
 *    frame with message rows in the DOM (aim: under 300 ms).
 * 4. It scrolls from the newest message up to the oldest (paging older
 *    messages in all the way) and back down, `stepPx` per frame, recording
 *    requestAnimationFrame deltas and Chromium's long animation frames and
 *    long tasks (aim: no frame over 50 ms).
 *
 * Prints the figures and ends with one JSON line of every figure. Exits 1 on
 * any failure, on any CSP violation, or when either end is not reached.
 */
import type { ScrollFigures } from '../src/renderer/bench/ui/ui-bench-page.js';
import { startUiBenchSession, type UiBenchSession } from '../test/ui/chat/ui-bench-session.js';

const MESSAGES = Number(process.argv[2] ?? 100_000);
const STEP_PX = Number(process.argv[3] ?? 2500);
const SCROLL_TIMEOUT_MS = 6 * 60_000;
const OVERALL_TIMEOUT_MS = 18 * 60_000;
const OPEN_AIM_MS = 300;
const FRAME_AIM_MS = 50;

let session = null as UiBenchSession | null;

const ms = (value: number) => Math.round(value);

function scrollLine(figures: ScrollFigures): string {
  return (
    `${figures.direction}: ${figures.reachedEnd ? 'reached the end' : 'DID NOT reach the end'} in ${figures.durationMs} ms, ` +
    `${figures.frames} frames, longest ${figures.longestFrameMs} ms, p95 ${figures.p95FrameMs} ms, p99 ${figures.p99FrameMs} ms, ` +
    `${figures.framesOver50Ms} over 50 ms; long animation frames ${figures.longAnimationFrames} (longest ${figures.longestAnimationFrameMs} ms), ` +
    `longest task ${figures.longestTaskMs} ms; ${figures.messagesCovered} messages passed, at most ${figures.rowsInDomMax} rows in the DOM, ` +
    `JS heap ${figures.heapUsedMb} MB\n` +
    `    longest animation frame ${figures.worstFrame}\n` +
    `    long animation frames by script ${figures.longFrameScripts}`
  );
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

/** PARLEY_UI_BENCH_PROFILE=1: the 25 functions with the most self time while scrolling (V8's sampling profiler). */
function printProfile(profile: { nodes: readonly ProfileNode[]; samples?: number[]; timeDeltas?: number[] }): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<string, number>();
  const samples = profile.samples ?? [];
  samples.forEach((id, index) => {
    const frame = byId.get(id)?.callFrame;
    const name =
      frame === undefined
        ? '?'
        : `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber}`;
    selfMs.set(name, (selfMs.get(name) ?? 0) + (profile.timeDeltas?.[index] ?? 0) / 1000);
  });
  const top = [...selfMs].sort((a, b) => b[1] - a[1]).slice(0, 25);
  for (const [name, time] of top) console.log(`  profile ${time.toFixed(0).padStart(7)} ms  ${name}`);
}

async function run(): Promise<void> {
  const began = performance.now();
  const pageErrors: string[] = [];
  const started = await startUiBenchSession({
    viewport: { width: 1280, height: 800 },
    // PARLEY_UI_BENCH_RENDERER=DIR serves a renderer built beforehand (e.g. unminified, for profiling).
    ...(process.env.PARLEY_UI_BENCH_RENDERER === undefined
      ? {}
      : { rendererDir: process.env.PARLEY_UI_BENCH_RENDERER }),
    onPage: (page) => {
      page.setDefaultTimeout(SCROLL_TIMEOUT_MS + 60_000);
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(message.text());
      });
    },
  });
  session = started;
  const { page, relay } = started;
  const setupMs = performance.now() - began;

  const passphrase = `ui-bench-${crypto.randomUUID()}`;
  await page.evaluate(([url, secret]) => window.parleyUiBench?.createAccount(url, secret), [
    relay.url,
    passphrase,
  ] as const);
  const seedStarted = performance.now();
  const seeded = await page.evaluate((count) => window.parleyUiBench?.seed(count), MESSAGES);
  if (seeded === undefined || seeded.counted !== MESSAGES) {
    throw new Error(`seeded ${seeded?.counted ?? 0} messages, expected ${MESSAGES}`);
  }
  const seedMs = performance.now() - seedStarted;

  const opened = await page.evaluate(() => window.parleyUiBench?.open());
  if (opened === undefined) throw new Error('bench page lost');
  // Let the first layout settle (measurements, markRead) before scrolling.
  await page.waitForTimeout(500);
  // What the page holds after a full garbage collection (performance.memory alone counts garbage too),
  // once Dexie has dropped the cache entries of queries nobody watches (3 s after the last one left).
  const devtools = await page.context().newCDPSession(page);
  const retainedHeapMb = async () => {
    await page.waitForTimeout(4000);
    await devtools.send('HeapProfiler.collectGarbage');
    const { usedSize } = await devtools.send('Runtime.getHeapUsage');
    return Math.round(usedSize / 1_048_576);
  };
  const heapAfterOpenMb = await retainedHeapMb();
  const profiler = process.env.PARLEY_UI_BENCH_PROFILE ? devtools : null;
  if (profiler !== null) {
    await profiler.send('Profiler.enable');
    await profiler.send('Profiler.start');
  }
  const up = await page.evaluate(([step, timeout]) => window.parleyUiBench?.scroll('up', step, timeout), [
    STEP_PX,
    SCROLL_TIMEOUT_MS,
  ] as const);
  const heapAfterUpMb = await retainedHeapMb();
  const down = await page.evaluate(([step, timeout]) => window.parleyUiBench?.scroll('down', step, timeout), [
    STEP_PX,
    SCROLL_TIMEOUT_MS,
  ] as const);
  if (up === undefined || down === undefined) throw new Error('bench page lost');
  const heapAfterDownMb = await retainedHeapMb();
  if (profiler !== null) {
    const { profile } = await profiler.send('Profiler.stop');
    printProfile(profile);
  }
  const csp = (await page.evaluate(() => window.parleyUiBench?.cspViolations())) ?? [];
  await page.evaluate(() => window.parleyUiBench?.close());

  // The view must never need an inline style (style-src 'self'), nor eval: the page sets zod up without it.
  const styleViolations = csp.filter((violation) => violation.startsWith('style-src'));
  const longestFrameMs = Math.max(up.longestFrameMs, down.longestFrameMs);
  const figures = {
    messages: MESSAGES,
    scroll_step_px: STEP_PX,
    open_ms: ms(opened.openMs),
    open_rows_rendered: opened.rowsRendered,
    longest_frame_ms: longestFrameMs,
    p95_frame_ms: Math.max(up.p95FrameMs, down.p95FrameMs),
    p99_frame_ms: Math.max(up.p99FrameMs, down.p99FrameMs),
    frames_measured: up.frames + down.frames,
    frames_over_50_ms: up.framesOver50Ms + down.framesOver50Ms,
    longest_animation_frame_ms: Math.max(up.longestAnimationFrameMs, down.longestAnimationFrameMs),
    long_animation_frames: up.longAnimationFrames + down.longAnimationFrames,
    longest_task_ms: Math.max(up.longestTaskMs, down.longestTaskMs),
    rows_in_dom_max: Math.max(up.rowsInDomMax, down.rowsInDomMax),
    heap_used_mb_after_up: up.heapUsedMb,
    heap_used_mb_after_down: down.heapUsedMb,
    heap_retained_mb_after_open: heapAfterOpenMb,
    heap_retained_mb_after_up: heapAfterUpMb,
    heap_retained_mb_after_down: heapAfterDownMb,
    scroll_up_ms: up.durationMs,
    scroll_up_px: up.scrolledPx,
    scroll_up_messages: up.messagesCovered,
    scroll_up_reached_oldest: up.reachedEnd,
    scroll_up_longest_frame_ms: up.longestFrameMs,
    scroll_down_ms: down.durationMs,
    scroll_down_px: down.scrolledPx,
    scroll_down_messages: down.messagesCovered,
    scroll_down_reached_newest: down.reachedEnd,
    scroll_down_longest_frame_ms: down.longestFrameMs,
    seed_seconds: Number((seedMs / 1000).toFixed(2)),
    seed_write_seconds: Number((seeded.writeMs / 1000).toFixed(2)),
    setup_seconds: Number((setupMs / 1000).toFixed(2)),
    csp_violations: csp.length,
    csp_style_violations: styleViolations.length,
    page_errors: pageErrors.length,
    open_aim_met: opened.openMs < OPEN_AIM_MS,
    frame_aim_met: longestFrameMs <= FRAME_AIM_MS,
  };
  console.log(`chat view bench: one conversation of ${MESSAGES} messages (every row sealed at rest), Chromium`);
  console.log(`  seeded in ${figures.seed_seconds}s (writing, sealing included, ${figures.seed_write_seconds}s)`);
  console.log(
    `  open: first rows rendered ${figures.open_ms} ms after mount (${opened.rowsRendered} rows in the DOM; aim < ${OPEN_AIM_MS} ms)`,
  );
  console.log(`  ${scrollLine(up)}`);
  console.log(`  ${scrollLine(down)}`);
  console.log(
    `  longest frame ${longestFrameMs} ms (aim <= ${FRAME_AIM_MS} ms), p95 ${figures.p95_frame_ms} ms over ${figures.frames_measured} frames`,
  );
  console.log(
    `  JS heap after a full GC: ${heapAfterOpenMb} MB open, ${heapAfterUpMb} MB after scrolling up, ${heapAfterDownMb} MB after scrolling down`,
  );
  if (csp.length > 0) console.log(`  CSP violations: ${csp.join('; ')}`);
  if (pageErrors.length > 0) console.log(`  page errors: ${pageErrors.slice(0, 5).join('; ')}`);
  console.log(JSON.stringify(figures));
  if (csp.length > 0 || !up.reachedEnd || !down.reachedEnd) process.exitCode = 1;
}

let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
const deadline = new Promise<never>((_, reject) => {
  deadlineTimer = setTimeout(
    () => reject(new Error(`overall timeout of ${OVERALL_TIMEOUT_MS} ms`)),
    OVERALL_TIMEOUT_MS,
  );
});
let timedOut = false;
try {
  await Promise.race([run(), deadline]);
} catch (error) {
  timedOut = error instanceof Error && error.message.startsWith('overall timeout');
  console.error('ui bench failed:', error);
  process.exitCode = 1;
} finally {
  clearTimeout(deadlineTimer);
  await session?.dispose();
}
// A run cut off by the deadline may still hold handles open.
if (timedOut) process.exit(1);
