#!/usr/bin/env node
// parley-relay: runs the built relay (dist/main.js) when it exists, else the
// TypeScript sources through tsx, so a fresh clone works right after
// `npm install`. Set PARLEY_RELAY_FROM_SOURCE=1 to run the sources even when a
// build exists (tests do, so a stale dist/ can never be what they test).
//
// The sources run in this process (no child to forward signals to): tsx is
// registered as a loader, and a tiny resolve hook adds the "source" export
// condition, which points workspace packages at their src/index.ts.
//
// Under npm, SIGTERM to `npm run relay` reaches only the shell npm ran the
// script in: the shell dies and this process, left running, is adopted by
// another parent. So under npm a change of parent stops the relay exactly as
// SIGTERM does (graceful, exit 0). Outside npm (systemd, Docker, `nohup
// parley-relay &`) losing the parent is no reason to stop, so there is no watch.
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PARENT_CHECK_MS = 250;
if (process.env.npm_lifecycle_event !== undefined) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, PARENT_CHECK_MS);
  watch.unref();
}

const built = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const sources = fileURLToPath(new URL('../src/main.ts', import.meta.url));

if (existsSync(built) && process.env.PARLEY_RELAY_FROM_SOURCE !== '1') {
  await import(pathToFileURL(built).href);
} else {
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  // Registered after tsx, so it runs first: it adds the condition, then defers to tsx.
  register(new URL('./source-condition-hooks.mjs', import.meta.url));
  await import(pathToFileURL(sources).href);
}
