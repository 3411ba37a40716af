/**
 * Frame timing in the page: requestAnimationFrame deltas (what the user
 * sees as smoothness) and, where Chromium reports them, long animation
 * frames and long tasks (how long the main thread was blocked).
 */

export interface FrameFigures {
  readonly frames: number;
  readonly longestFrameMs: number;
  readonly p95FrameMs: number;
  readonly p99FrameMs: number;
  readonly meanFrameMs: number;
  readonly framesOver50Ms: number;
  readonly longestAnimationFrameMs: number;
  readonly longAnimationFrames: number;
  readonly longestTaskMs: number;
  /** What ran in the longest animation frame (script invokers with their durations, style and layout). */
  readonly worstFrame: string;
  /** Over all long animation frames: the scripts (invoker and function) with the most time, and time in no script. */
  readonly longFrameScripts: string;
}

interface AnimationFrameTiming extends PerformanceEntry {
  readonly blockingDuration?: number;
  readonly renderStart?: number;
  readonly styleAndLayoutStart?: number;
  readonly scripts?: readonly {
    readonly invoker: string;
    readonly sourceFunctionName?: string;
    readonly duration: number;
    readonly forcedStyleAndLayoutDuration: number;
  }[];
}

function describeFrame(entry: AnimationFrameTiming | undefined): string {
  if (entry === undefined) return 'none';
  const end = entry.startTime + entry.duration;
  const render = entry.renderStart ? `render ${Math.round(end - entry.renderStart)} ms` : 'no render';
  const layout = entry.styleAndLayoutStart ? `, style+layout ${Math.round(end - entry.styleAndLayoutStart)} ms` : '';
  const scripts = (entry.scripts ?? [])
    .map(
      (script) =>
        `${script.invoker} ${Math.round(script.duration)} ms (forced layout ${Math.round(script.forcedStyleAndLayoutDuration)})`,
    )
    .join('; ');
  return `${Math.round(entry.duration)} ms: ${render}${layout}; scripts: ${scripts || 'none'}`;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Script time by "invoker (function)" over many long animation frames, plus the frames' time outside scripts. */
class ScriptAttribution {
  readonly #byScript = new Map<string, number>();
  #outsideScripts = 0;

  add(entry: AnimationFrameTiming): void {
    let inScripts = 0;
    for (const script of entry.scripts ?? []) {
      const name = script.sourceFunctionName ? `${script.invoker} (${script.sourceFunctionName})` : script.invoker;
      this.#byScript.set(name, (this.#byScript.get(name) ?? 0) + script.duration);
      inScripts += script.duration;
    }
    this.#outsideScripts += Math.max(0, entry.duration - inScripts);
  }

  describe(top: number): string {
    const ranked = [...this.#byScript].sort((a, b) => b[1] - a[1]).slice(0, top);
    const scripts = ranked.map(([name, ms]) => `${name} ${Math.round(ms)} ms`).join('; ');
    return `${scripts || 'no scripts'}; outside scripts (style, layout, paint, idle) ${Math.round(this.#outsideScripts)} ms`;
  }
}

export class FrameProbe {
  readonly #deltas: number[] = [];
  readonly #attribution = new ScriptAttribution();
  readonly #animationFrames: number[] = [];
  #worst: AnimationFrameTiming | undefined;
  readonly #tasks: number[] = [];
  readonly #observers: PerformanceObserver[] = [];
  #last: number | null = null;

  start(): void {
    for (const [type, into] of [
      ['long-animation-frame', this.#animationFrames],
      ['longtask', this.#tasks],
    ] as const) {
      if (!PerformanceObserver.supportedEntryTypes.includes(type)) continue;
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) this.#record(entry, into);
      });
      observer.observe({ type });
      this.#observers.push(observer);
    }
  }

  /** Call once per animation frame with its timestamp. */
  frame(timestamp: number): void {
    if (this.#last !== null) this.#deltas.push(timestamp - this.#last);
    this.#last = timestamp;
  }

  stop(): FrameFigures {
    for (const observer of this.#observers) {
      for (const entry of observer.takeRecords()) {
        this.#record(entry, entry.entryType === 'longtask' ? this.#tasks : this.#animationFrames);
      }
      observer.disconnect();
    }
    const sorted = [...this.#deltas].sort((a, b) => a - b);
    const sum = sorted.reduce((total, delta) => total + delta, 0);
    return {
      frames: sorted.length,
      longestFrameMs: round(sorted.at(-1) ?? 0),
      p95FrameMs: round(percentile(sorted, 0.95)),
      p99FrameMs: round(percentile(sorted, 0.99)),
      meanFrameMs: round(sorted.length === 0 ? 0 : sum / sorted.length),
      framesOver50Ms: sorted.filter((delta) => delta > 50).length,
      longestAnimationFrameMs: round(Math.max(0, ...this.#animationFrames)),
      longAnimationFrames: this.#animationFrames.length,
      longestTaskMs: round(Math.max(0, ...this.#tasks)),
      worstFrame: describeFrame(this.#worst),
      longFrameScripts: this.#attribution.describe(6),
    };
  }

  #record(entry: PerformanceEntry, into: number[]): void {
    into.push(entry.duration);
    if (entry.entryType !== 'long-animation-frame') return;
    this.#attribution.add(entry as AnimationFrameTiming);
    if (entry.duration > (this.#worst?.duration ?? 0)) this.#worst = entry as AnimationFrameTiming;
  }
}

export function nextFrame(): Promise<number> {
  return new Promise((resolve) => requestAnimationFrame(resolve));
}
