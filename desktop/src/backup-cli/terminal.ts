/**
 * The CLI's terminal: a passphrase prompt that does not echo (or a file, for
 * scripts; never a command-line value, which would land in the shell history
 * and the process list), and a progress bar on stderr.
 */
import { readFileSync } from 'node:fs';

/** The first line of `path`, without its newline. */
export function passphraseFromFile(path: string): string {
  const text = readFileSync(path, 'utf8');
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line.length === 0) throw new CliError(`the passphrase file ${path} is empty`);
  return line;
}

const NO_TERMINAL =
  'a passphrase is needed but there is no terminal to type it in (stdin ended without a line); ' +
  'use --passphrase-file F (and --vault-passphrase-file F where the command asks for a second one)';

/**
 * Reads a line from the terminal without echoing it; from a pipe, reads the
 * next line. Input that ends before any line (no terminal, nothing piped in:
 * a script, cron, CI) is a one-line failure naming --passphrase-file, not a
 * wait that Node ends with exit code 13.
 */
export function promptHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error: Error | null) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      if (input.isTTY) input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (error === null) resolve(value);
      else reject(error);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          finish(null);
          return;
        }
        if (char === '\u0003') {
          finish(new CliError('cancelled'));
          return;
        }
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    const onEnd = () => {
      if (value.length > 0) finish(null);
      else finish(new CliError(NO_TERMINAL));
    };
    if (input.isTTY) input.setRawMode(true);
    input.resume();
    input.on('data', onData);
    input.once('end', onEnd);
  });
}

/** A failure the CLI reports as one line and exit code 1. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
}

/** A command line the CLI cannot run (unknown flag, missing value): one line and exit code 2. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
}

/** A one-line progress bar on stderr (only on a terminal; a pipe gets the final line only). */
export class ProgressBar {
  #last = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  update(done: number): void {
    const percent = this.total <= 0 ? 100 : Math.min(100, Math.floor((done / this.total) * 100));
    if (percent === this.#last || !process.stderr.isTTY) return;
    this.#last = percent;
    const width = 30;
    const filled = Math.round((percent / 100) * width);
    process.stderr.write(`\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent}%`);
  }

  done(text: string): void {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K`);
    process.stderr.write(`${this.label}: ${text}\n`);
  }
}
