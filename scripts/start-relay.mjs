// The local relay `npm start` runs, read through its JSON log (one pino line
// per entry): its URL once it listens, and the reason it gives when it fails
// (the `err` of its last error line: "EADDRINUSE: address already in use
// 127.0.0.1:7447", "EEXIST: file already exists, mkdir ...", ...), so that
// what `npm start` prints is the relay's own reason, not a guess.
//
// Until the relay has said where it listens, its exit is a failed start
// (`started` rejects with a RelayStartError); afterwards it is a stop
// (`onStopped`), which start.mjs reports without stopping the app.

/** Pino's numeric level of `error`; `fatal` is 60. */
const ERROR_LEVEL = 50;

/** The relay could not start; `reason` is what it said, or how it exited. */
export class RelayStartError extends Error {
  constructor(reason, code) {
    super(`the relay could not start: ${reason}`);
    this.name = 'RelayStartError';
    this.reason = reason;
    /** The system error code the relay reported (EADDRINUSE, EACCES, ...), or null. */
    this.code = code;
  }
}

/** What an error line says went wrong: its error's message (and code), else its own message. */
export function relayLogReason(entry) {
  const error = entry.err;
  if (error !== null && typeof error === 'object' && typeof error.message === 'string') {
    return { reason: error.message, code: typeof error.code === 'string' ? error.code : null };
  }
  return { reason: typeof entry.msg === 'string' ? entry.msg : 'no reason given', code: null };
}

/** "exit 1", "signal SIGKILL". */
export function describeExit(code, signal) {
  return signal === null || signal === undefined ? `exit ${code}` : `signal ${signal}`;
}

/**
 * Follows the relay child's stdout. `print(line)` and `printError(line)`
 * show what the relay logged that a person should see (error lines, and
 * anything that is not JSON). Returns `started`, which resolves with the URL
 * once the relay listens, and rejects with a RelayStartError when it exits
 * before; `onStopped({ how, reason })` is called when it exits afterwards.
 */
export function followRelay(child, { print, printError, onStopped }) {
  let buffered = '';
  let url = null;
  let last = null;
  let resolveStarted;
  let rejectStarted;
  const started = new Promise((resolve, reject) => {
    resolveStarted = resolve;
    rejectStarted = reject;
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        // Not JSON: pass it through untouched.
        print(`relay: ${line}`);
        continue;
      }
      if (url === null && typeof entry.url === 'string') {
        url = entry.url;
        resolveStarted(url);
      }
      if (entry.level >= ERROR_LEVEL) {
        last = relayLogReason(entry);
        printError(`relay: ${entry.msg}${last.reason === entry.msg ? '' : `: ${last.reason}`}`);
      }
    }
  });
  // 'close', not 'exit': the relay's last log lines (its reason) may still be in the pipe at 'exit'.
  child.on('close', (code, signal) => {
    const how = describeExit(code, signal);
    if (url === null) {
      rejectStarted(new RelayStartError(last?.reason ?? `it exited (${how}) before listening`, last?.code ?? null));
      return;
    }
    onStopped({ how, reason: last?.reason ?? null });
  });
  return started;
}
