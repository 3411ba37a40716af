/**
 * How the storage tests' child processes start together: each says READY on
 * stdout once its store is open, then waits for GO on stdin, which the
 * parent sends to all of them at once.
 */
import { createInterface } from 'node:readline';

export async function readyThenGo(): Promise<void> {
  const input = createInterface({ input: process.stdin });
  const go = new Promise<void>((resolve) => input.on('line', (line) => line === 'GO' && resolve()));
  process.stdout.write('READY\n');
  await go;
  input.close();
}
