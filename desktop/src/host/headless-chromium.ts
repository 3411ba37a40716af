/**
 * How Parley's Node tools run a headless Chromium (the backup CLI's export,
 * and the browser tests and benchmarks): Debian's package by default, with
 * flags that work as root on a machine without a display, GPU or network.
 */

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

export const HEADLESS_CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
