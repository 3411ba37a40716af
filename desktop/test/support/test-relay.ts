/**
 * A real relay process for engine tests (relay-server's own test helper),
 * with limits raised so bulk tests measure the engine, not the rate limiter.
 */
import { RelayProcess, type RelayProcessOptions } from '@parley/test-support';

export { RelayProcess };

// Log level stays at info: the process helper waits for the "listening" line.
const ENGINE_TEST_RELAY_ARGS = [
  '--send-rate',
  '5000',
  '--send-burst',
  '20000',
  '--bundle-rate',
  '1000',
  '--bundle-burst',
  '1000',
  '--bundle-target-rate',
  '1000',
  '--bundle-target-burst',
  '1000',
  '--auth-rate',
  '5000',
  '--auth-burst',
  '5000',
  '--prekey-upload-rate',
  '1000',
  '--prekey-upload-burst',
  '1000',
  '--ack-rate',
  '100000',
  '--ack-burst',
  '100000',
  '--max-queue-envelopes',
  '1000000',
  '--max-queue-size',
  '10GiB',
  '--daily-send-quota',
  '100GiB',
  '--max-connections-per-ip',
  '100000',
] as const;

export function startRelay(options: RelayProcessOptions = {}): Promise<RelayProcess> {
  return RelayProcess.start({ ...options, args: [...ENGINE_TEST_RELAY_ARGS, ...(options.args ?? [])] });
}
