// Worker-thread loader for running the relay from its TypeScript sources
// (tests, `npm run relay` without a build): loader hooks registered in the
// main thread do not reach a new worker thread, so this registers tsx and the
// "source" export condition (as parley-relay.mjs does), then imports the
// thread's real entry, named by workerData.entry. The built relay starts its
// compiled threads directly and never loads this file.
import { register } from 'node:module';
import { workerData } from 'node:worker_threads';

const { register: registerTsx } = await import('tsx/esm/api');
registerTsx();
register(new URL('./source-condition-hooks.mjs', import.meta.url));
await import(workerData.entry);
