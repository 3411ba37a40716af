/**
 * Debian's Chromium for browser tests (this one and issue 5's end-to-end
 * suite), launched through Playwright from inside Vitest so that `npm test`
 * runs everything. Playwright never downloads a browser here.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from '@playwright/test';
import { DEFAULT_CHROMIUM_PATH, HEADLESS_CHROMIUM_ARGS } from '../../../src/host/headless-chromium.js';

export const CHROMIUM_PATH = DEFAULT_CHROMIUM_PATH;
export const CHROMIUM_ARGS = HEADLESS_CHROMIUM_ARGS;

/** Fails (never skips) when Chromium is missing, saying how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: install Debian's package with ` +
        '`apt-get update && apt-get install -y chromium` (.ci/run does this). Do not run `npx playwright install`.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}
