/**
 * Where the end-to-end tests leave what a person looks at afterwards
 * (git-ignored): screenshots of each screen in both themes, and a screenshot
 * plus the DOM of every open page when a test fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { DESKTOP_DIR } from '../../web-shell/support/shell-process.js';
import { ui } from './ui-expect.js';

export const ARTEFACTS_DIR = join(DESKTOP_DIR, 'test', 'e2e', '.artifacts');
export const SCREENSHOTS_DIR = join(ARTEFACTS_DIR, 'screenshots');
const FAILURES_DIR = join(ARTEFACTS_DIR, 'failures');

export type ColorScheme = 'light' | 'dark';
export const COLOR_SCHEMES: readonly ColorScheme[] = ['light', 'dark'];

/**
 * Saves `<name>-light.png` and `<name>-dark.png`. The app follows the system
 * theme by default, so the system preference is emulated and the resolved
 * theme (<html data-theme>) awaited before each shot; the page is left in
 * the light scheme.
 */
export async function screenshotBothThemes(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const paths: string[] = [];
  for (const scheme of COLOR_SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    await ui(page.locator('html')).toHaveAttribute('data-theme', scheme);
    const path = join(SCREENSHOTS_DIR, `${name}-${scheme}.png`);
    // 'disabled' ends finite transitions (the theme fades in 120-180 ms) and resets endless ones (typing dots).
    await page.screenshot({ path, animations: 'disabled' });
    paths.push(path);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return paths;
}

/** A screenshot and the DOM of each page, named after the failed test. */
export async function saveFailureEvidence(testName: string, pages: ReadonlyMap<string, Page>): Promise<void> {
  const folder = join(FAILURES_DIR, testName.replace(/[^a-z0-9]+/gi, '-').slice(0, 80));
  mkdirSync(folder, { recursive: true });
  for (const [label, page] of pages) {
    if (page.isClosed()) continue;
    try {
      await page.screenshot({ path: join(folder, `${label}.png`), timeout: 5_000 });
      writeFileSync(join(folder, `${label}.html`), await page.content());
    } catch {
      // Evidence is best effort: the failure itself is what the test reports.
    }
  }
}
