/** A logger that keeps every line (tests check what the engine logged, and that no message text was). */
import type { EngineLogger, LogDetails } from '../../src/renderer/engine/logger.js';

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly details: LogDetails | undefined;
}

export class RecordingLogger implements EngineLogger {
  readonly lines: LogLine[] = [];

  constructor(
    private readonly name: string,
    private readonly echo = process.env.PARLEY_ENGINE_TEST_LOG === '1',
  ) {}

  debug(message: string, details?: LogDetails): void {
    this.#add('debug', message, details);
  }
  info(message: string, details?: LogDetails): void {
    this.#add('info', message, details);
  }
  warn(message: string, details?: LogDetails): void {
    this.#add('warn', message, details);
  }
  error(message: string, details?: LogDetails): void {
    this.#add('error', message, details);
  }

  /** Everything logged, as one string (for "never logged" checks). */
  text(): string {
    return this.lines.map((line) => `${line.level} ${line.message} ${JSON.stringify(line.details ?? {})}`).join('\n');
  }

  #add(level: LogLine['level'], message: string, details: LogDetails | undefined): void {
    this.lines.push({ level, message, details });
    if (this.echo) console.log(`[${this.name}] ${level} ${message}`, details ?? '');
  }
}
