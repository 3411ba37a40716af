/**
 * One command to the load process and the wait for its answer: progress
 * lines passed on, window edges handed to the caller (which samples server
 * CPU then), a failure or the load process's exit rejected, and the whole
 * wait bounded.
 */
import type { ChildProcess } from 'node:child_process';
import type { LoadCommand, LoadReport } from './bench-protocol.js';

type WindowReport = Extract<LoadReport, { kind: 'window' }>;

export interface LoadExchange<T> {
  /** Names the exchange in errors. */
  readonly label: string;
  readonly timeoutMs: number;
  readonly progress: (message: string) => void;
  readonly window: (report: WindowReport) => void;
  /** The answer this exchange waits for, or undefined for any other report. */
  readonly answer: (report: LoadReport) => T | undefined;
  /** Appended to a failure's message (e.g. the end of a server's output). */
  readonly failureDetail: () => string;
}

export function exchangeWithLoad<T>(load: ChildProcess, command: LoadCommand, exchange: LoadExchange<T>): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    const finish = (): void => {
      clearTimeout(timer);
      load.off('message', onMessage);
      load.off('exit', onExit);
    };
    const onExit = (): void => {
      finish();
      reject(new Error(`${exchange.label}: the load process exited`));
    };
    const onMessage = (message: unknown): void => {
      const report = message as LoadReport;
      if (report.kind === 'progress') exchange.progress(report.message);
      else if (report.kind === 'window') exchange.window(report);
      else if (report.kind === 'failed') {
        finish();
        reject(new Error(`${exchange.label}: ${report.message}\n${exchange.failureDetail()}`));
      } else {
        const answer = exchange.answer(report);
        if (answer === undefined) return;
        finish();
        resolvePromise(answer);
      }
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`${exchange.label}: no result within ${exchange.timeoutMs / 1000} s`));
    }, exchange.timeoutMs);
    load.on('message', onMessage);
    load.once('exit', onExit);
    load.send(command);
  });
}
