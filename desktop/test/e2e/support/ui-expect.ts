/**
 * Playwright's web-first assertions (they retry until the page agrees or the
 * timeout passes), used from Vitest. One bound for every UI wait, so no test
 * sleeps and none waits forever.
 */
import { expect } from '@playwright/test';

export const UI_TIMEOUT_MS = 15_000;

export const ui = expect.configure({ timeout: UI_TIMEOUT_MS });
