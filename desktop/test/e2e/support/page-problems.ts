/**
 * Everything a page of one browser context reports as wrong: console errors,
 * uncaught exceptions and Content-Security-Policy violations (the shell's CSP
 * is strict; a violation is a bug even when the page still works). A test
 * fails on any of them, except what it declares expected for a while (a
 * relay it stopped on purpose cannot be reached).
 */
import type { BrowserContext, ConsoleMessage } from '@playwright/test';

const CSP_BINDING = '__parleyE2eCspViolation';

export type ProblemFilter = (problem: string) => boolean;

export class PageProblems {
  readonly #seen: string[] = [];
  readonly #expected = new Set<ProblemFilter>();

  private constructor(readonly label: string) {}

  /** Watches every page of `context`, including pages opened later. */
  static async watch(context: BrowserContext, label: string): Promise<PageProblems> {
    const problems = new PageProblems(label);
    context.on('console', (message) => {
      if (message.type() === 'error') problems.#record(`console error: ${consoleText(message)}`);
    });
    context.on('weberror', (error) => problems.#record(`uncaught: ${error.error().message}`));
    await context.exposeBinding(CSP_BINDING, (_source, text: unknown) => problems.#record(`CSP violation: ${text}`));
    // Runs in the page before its own scripts; init scripts are not subject to the page's CSP.
    await context.addInitScript((binding: string) => {
      document.addEventListener('securitypolicyviolation', (event) => {
        const report = Reflect.get(window, binding) as (text: string) => void;
        report(
          `${event.effectiveDirective} refused ${event.blockedURI || 'inline'} at ${event.sourceFile}:${event.lineNumber}`,
        );
      });
    }, CSP_BINDING);
    return problems;
  }

  #record(problem: string): void {
    for (const expected of this.#expected) if (expected(problem)) return;
    this.#seen.push(problem);
  }

  /** Ignores problems matching `filter` until the returned function is called. */
  expect(filter: ProblemFilter): () => void {
    this.#expected.add(filter);
    return () => {
      this.#expected.delete(filter);
    };
  }

  /** The problems seen since the last call (each test checks its own). */
  take(): string[] {
    return this.#seen.splice(0);
  }
}

function consoleText(message: ConsoleMessage): string {
  const { url, lineNumber } = message.location();
  return url ? `${message.text()} (${url}:${lineNumber})` : message.text();
}

/** The browser's own reports of a refused connection to `origin` (fetch and WebSocket). */
export function unreachableOrigin(origin: string): ProblemFilter {
  const host = new URL(origin).host;
  return (problem) =>
    problem.includes(host) && /ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|WebSocket/.test(problem);
}
