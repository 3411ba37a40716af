/**
 * Runs the relay's real bin (`bin/parley-relay.mjs`, from the sources) as an
 * operator would, without blocking the test's event loop, and collects its
 * exit code and output.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BIN = fileURLToPath(new URL('../bin/parley-relay.mjs', import.meta.url));
const run = promisify(execFile);

export interface BinResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runBinAsync(args: readonly string[]): Promise<BinResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, PARLEY_RELAY_FROM_SOURCE: '1' },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
